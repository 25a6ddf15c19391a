import { describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { integratorMayReceive, integratorPublish, integratorSubscribeRefusal } from './integrator-acl.js';

const directory = new InMemoryDirectory(
  [
    { id: 'wm-1', kind: 'water_meter', status: 'active', passwordHash: '' },
    { id: 'wm-2', kind: 'water_meter', status: 'active', passwordHash: '' },
    { id: 'wm-old', kind: 'water_meter', status: 'retired', passwordHash: '' },
    { id: 'bg-1', kind: 'barrier_gate', status: 'active', passwordHash: '' },
    { id: 'th-ext-1', kind: 'temp_humidity', status: 'active', passwordHash: '' },
  ],
  [
    {
      username: 'nodered',
      role: 'integrator',
      passwordHash: '',
      grants: { commandDevices: ['wm-1', 'wm-old'], commandKinds: ['barrier_gate'], ingestDevices: ['th-ext-1'] },
    },
    { username: 'viewer', role: 'integrator', passwordHash: '' },
  ],
);
const publish = (topic: string, username = 'nodered') => {
  const decision = integratorPublish(username, topic, 'gridlink', directory);
  return 'refused' in decision ? decision.refused.message : decision.allowed;
};

describe('the integrator ACL', () => {
  it('allows commands to granted active devices by id or kind, and names why any other is refused', () => {
    expect(publish('gridlink/wm-1/set')).toBe('command');
    expect(publish('gridlink/bg-1/set')).toBe('command');
    expect(publish('gridlink/wm-2/set')).toBe('integrator nodered is not granted commands to device wm-2');
    expect(publish('gridlink/wm-old/set')).toBe('device wm-old is retired: it takes no commands');
    expect(publish('gridlink/nobody/set')).toBe('integrator nodered is not granted commands to device nobody');
    expect(publish('gridlink/wm-1/set', 'viewer')).toBe('integrator viewer is not granted commands to device wm-1');
  });

  it('allows state, events and availability only as its ingest devices', () => {
    expect(publish('gridlink/th-ext-1')).toBe('ingest');
    expect(publish('gridlink/th-ext-1/availability')).toBe('ingest');
    expect(publish('gridlink/th-ext-1/event/reading')).toBe('ingest');
    expect(publish('gridlink/wm-1')).toBe(
      'integrator nodered may publish only as the devices of its ingest grants, not wm-1',
    );
    expect(publish('gridlink/th-ext-1/set')).toBe('integrator nodered is not granted commands to device th-ext-1');
  });

  it('allows only the read-only bridge requests, and nothing outside the topic map', () => {
    expect(publish('gridlink/bridge/request/devices/list')).toBe('request');
    expect(publish('gridlink/bridge/request/outbox/resend')).toBe(
      'integrator nodered may request only devices/list, not outbox/resend',
    );
    expect(publish('gridlink/bridge/response/devices/list')).toBe(
      'integrator nodered may not publish to gridlink/bridge/response/devices/list',
    );
    expect(publish('$SYS/x')).toBe('integrator nodered may not publish to $SYS/x');
    expect(publish('elsewhere/wm-1/set')).toBe('integrator nodered may not publish to elsewhere/wm-1/set');
  });

  it('reads under the base topic, but not the bridge exchanges of commands it may not request', () => {
    expect(integratorSubscribeRefusal('nodered', 'gridlink/#', 'gridlink')).toBeNull();
    expect(integratorSubscribeRefusal('nodered', 'gridlink/bridge/response/devices/list', 'gridlink')).toBeNull();
    expect(integratorSubscribeRefusal('nodered', 'gridlink/bridge/response/outbox/status', 'gridlink')?.message).toBe(
      'integrator nodered may read bridge requests and responses only of devices/list',
    );
    expect(integratorSubscribeRefusal('nodered', 'other/#', 'gridlink')?.message).toBe(
      'role integrator may subscribe only under gridlink/',
    );
    expect(integratorMayReceive('gridlink/bridge/response/outbox/status', 'gridlink')).toBe(false);
    expect(integratorMayReceive('gridlink/bridge/request/outbox/resend', 'gridlink')).toBe(false);
    expect(integratorMayReceive('gridlink/bridge/response/devices/list', 'gridlink')).toBe(true);
    expect(integratorMayReceive('gridlink/wm-1/set', 'gridlink')).toBe(true);
  });
});
