import type { DeviceMessage } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { GatewayBus } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import { DeviceHistory } from './device-history.js';

const device: DeviceRecord = { id: 'smoke-1', kind: 'smoke_detector', status: 'active', passwordHash: '' };
const state = (battery: number): DeviceMessage => ({ type: 'state', deviceId: 'smoke-1', state: { battery } });

describe('DeviceHistory', () => {
  it('keeps each device’s latest messages, dead letters and availability, newest first, in fixed rings', () => {
    const bus = new GatewayBus();
    const history = new DeviceHistory(bus, 'gridlink', { messages: 3, deadLetters: 2, availability: 2 });
    const detach = history.attach();
    for (let i = 0; i < 10; i++) {
      bus.emit('message', { device, message: state(i), receivedAt: 1_000 * i });
      bus.emit('invalid', { device, topic: 'gridlink/smoke-1', error: `error ${i}`, receivedAt: 1_000 * i });
      bus.emit('availability', { device, state: i % 2 ? 'online' : 'offline', reason: 'connected', at: 1_000 * i });
    }
    const activity = history.activity('smoke-1');
    expect(activity.messages.map((m) => m.body)).toEqual(['{"battery":9}', '{"battery":8}', '{"battery":7}']);
    expect(activity.messages[0]).toMatchObject({ type: 'state', at: '1970-01-01T00:00:09.000Z' });
    expect(activity.deadLetters.map((d) => d.error)).toEqual(['error 9', 'error 8']);
    expect(activity.availability.map((a) => a.state)).toEqual(['online', 'offline']);
    expect(history.recorded('smoke-1').map((m) => m.payload)).toEqual([{ battery: 7 }, { battery: 8 }, { battery: 9 }]);
    expect(history.recorded('smoke-1')[0]).toMatchObject({
      topic: 'gridlink/smoke-1',
      device: { kind: 'smoke_detector' },
    });
    expect(history.summary()).toEqual([{ id: 'smoke-1', count: 3, last: '1970-01-01T00:00:09.000Z' }]);
    expect(history.activity('other')).toEqual({ messages: [], deadLetters: [], availability: [] });

    detach();
    bus.emit('message', { device, message: state(99), receivedAt: 99_000 });
    expect(history.activity('smoke-1').messages[0]?.body).toBe('{"battery":9}');
  });
});
