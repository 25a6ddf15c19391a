import { DEVICE_KINDS, validateDeviceMessage } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { PayloadFactory } from './payloads.js';
import { seededRandom } from './random.js';

describe('simulated payloads', () => {
  it.each(DEVICE_KINDS)('%s: 200 drifting state reports and every event type stay valid', (kind) => {
    const factory = new PayloadFactory(kind, seededRandom(7));
    let state: Record<string, unknown> | undefined;
    const check = (topic: string, payload: unknown) => {
      const result = validateDeviceMessage({ topic, payload: JSON.stringify(payload), kind });
      expect(result.ok ? 'ok' : result.error.message).toBe('ok');
    };
    for (let i = 0; i < 200; i++) {
      state = factory.state(state);
      check('gridlink/dev-1', state);
    }
    for (const type of factory.eventTypes)
      check(`gridlink/dev-1/event/${type}`, factory.event(type, Date.UTC(2026, 10, 25)));
  });

  it('is reproducible from a seed', () => {
    const a = new PayloadFactory('temp_humidity', seededRandom(42));
    const b = new PayloadFactory('temp_humidity', seededRandom(42));
    expect(a.state()).toEqual(b.state());
  });
});
