import { describe, expect, it } from 'vitest';
import { toLineProtocol } from './line-protocol.js';
import { toPoints } from './points.js';
import { device, GATEWAY, normalised } from './test-support.js';

const smoke = device('smoke-b3-u2-0401', 'smoke_detector', {
  community: '320803001001',
  building: 'B3',
  unit: '2',
  floor: 4,
});
const entrance = device('ac-b3-u2', 'access_control', { community: '320803001001', building: 'B3', unit: '2' });
const receivedAt = Date.parse('2026-11-25T15:00:00.000Z'); // 1795618800000

const lines = (...args: Parameters<typeof normalised>) => toPoints(normalised(...args), GATEWAY).map(toLineProtocol);

describe('device messages as InfluxDB points', () => {
  it('a smoke detector state becomes one `sensor` line: numbers as floats, booleans as booleans, low-cardinality tags', () => {
    expect(lines(smoke, '', { smoke: false, smoke_density: 0.02, temperature: 21.5, battery: 88, rssi: -87 })).toEqual([
      'sensor,gateway=gw-320803-001,community=320803001001,device=smoke-b3-u2-0401,device_type=smoke_detector,building=B3 ' +
        'smoke=false,smoke_density=0.02,temperature=21.5,battery=88,rssi=-87 1795618800000',
    ]);
  });

  it('an access_control event becomes an `event` line with event_type and count=1i; credential_ref is neither tag nor field', () => {
    const [line] = lines(entrance, '/event/access', {
      ts: '2026-11-25T14:52:18.646Z',
      method: 'card',
      result: 'granted',
      credential_ref: 'c-7f3a9e',
    });
    expect(line).toBe(
      'event,gateway=gw-320803-001,community=320803001001,device=ac-b3-u2,device_type=access_control,building=B3,event_type=access ' +
        'count=1i,method="card",result="granted" 1795618338646',
    );
    expect(line).not.toContain('credential_ref');
    expect(line).not.toContain('c-7f3a9e');
  });

  it('enum strings from the profile are string fields (door, reason); free text (fault code and detail) is left out', () => {
    expect(lines(entrance, '', { door: 'open', locked: false })).toEqual([
      'sensor,gateway=gw-320803-001,community=320803001001,device=ac-b3-u2,device_type=access_control,building=B3 ' +
        'door="open",locked=false 1795618800000',
    ]);
    expect(
      lines(entrance, '/event/access', {
        ts: '2026-11-25T14:52:18.646Z',
        method: 'face',
        result: 'denied',
        reason: 'unknown_credential',
      })[0],
    ).toContain(' count=1i,method="face",result="denied",reason="unknown_credential" ');
    expect(
      lines(smoke, '/event/fault', { ts: '2026-11-25T09:00:00.000Z', code: 'E03', detail: 'chamber dirty' }),
    ).toEqual([
      'event,gateway=gw-320803-001,community=320803001001,device=smoke-b3-u2-0401,device_type=smoke_detector,building=B3,event_type=fault ' +
        'count=1i 1795597200000',
    ]);
  });

  it("an event's numeric fields are floats, even when the profile says integer (no type conflicts between devices)", () => {
    expect(lines(entrance, '/event/door_held_open', { ts: '2026-11-25T02:00:00.000Z', duration_s: 240 })[0]).toContain(
      ' count=1i,duration_s=240 ',
    );
  });

  it('availability becomes an `availability` line with the boolean field online, at receivedAt', () => {
    expect(lines(smoke, '/availability', { state: 'offline' })).toEqual([
      'availability,gateway=gw-320803-001,community=320803001001,device=smoke-b3-u2-0401,device_type=smoke_detector,building=B3 ' +
        'online=false 1795618800000',
    ]);
  });

  it('a device without a place gets the gateway community and no building tag', () => {
    expect(lines(device('th-101', 'temp_humidity'), '', { temperature: -3.25 }, 1_795_618_338_646)).toEqual([
      'sensor,gateway=gw-320803-001,community=320803001001,device=th-101,device_type=temp_humidity temperature=-3.25 1795618338646',
    ]);
  });

  it("the event's ts is the timestamp, receivedAt otherwise", () => {
    const [event] = toPoints(
      normalised(smoke, '/event/alarm', { ts: '2026-11-25T14:52:18.646Z', smoke_density: 0.31 }, receivedAt),
      GATEWAY,
    );
    expect(event?.timestamp).toBe(Date.parse('2026-11-25T14:52:18.646Z'));
    const [state] = toPoints(normalised(smoke, '', { battery: 87 }, receivedAt), GATEWAY);
    expect(state?.timestamp).toBe(receivedAt);
  });

  it('commands and states without any writable field produce no point', () => {
    expect(toPoints(normalised(entrance, '/set', { door: 'release', duration_s: 30 }), GATEWAY)).toEqual([]);
    const gateway = device('gw-320803-001', 'gateway', { community: '320803001001' });
    expect(toPoints(normalised(gateway, '', { version: '0.1.0' }), GATEWAY)).toEqual([]);
  });
});
