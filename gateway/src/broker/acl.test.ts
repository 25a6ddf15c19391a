import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import { mayReceive, publishRefusal, subscribeRefusal } from './acl.js';
import type { Principal } from './principal.js';

const device: Principal = {
  type: 'device',
  device: { id: 'ac-b3-u2', kind: 'access_control', status: 'active', passwordHash: '' } satisfies DeviceRecord,
};
const observer: Principal = { type: 'service', username: 'console', role: 'observer' };
const installer: Principal = { type: 'service', username: 'installer-li', role: 'installer' };

describe('topic ACL', () => {
  it('lets a device publish its state, availability and events only', () => {
    expect(publishRefusal(device, 'gridlink/ac-b3-u2')).toBeNull();
    expect(publishRefusal(device, 'gridlink/ac-b3-u2/availability')).toBeNull();
    expect(publishRefusal(device, 'gridlink/ac-b3-u2/event/door_forced')).toBeNull();
    expect(publishRefusal(device, 'gridlink/ac-b3-u2/set')?.message).toBe(
      'a device may not publish commands, even to itself',
    );
    expect(publishRefusal(device, 'gridlink/ac-b3-u1/event/access')?.message).toBe(
      'device ac-b3-u2 may publish only under gridlink/ac-b3-u2/',
    );
    expect(publishRefusal(device, 'gridlink/ac-b3-u2-evil')?.message).toBe(
      'device ac-b3-u2 may publish only under gridlink/ac-b3-u2/',
    );
    expect(publishRefusal(device, 'gridlink/bridge/state')?.message).toBe(
      'device ac-b3-u2 may publish only under gridlink/ac-b3-u2/',
    );
    expect(publishRefusal(device, '$SYS/x')?.message).toBe('publishing to "$" topics is not allowed');
  });

  it('lets a device subscribe only to its own command topic', () => {
    expect(subscribeRefusal(device, 'gridlink/ac-b3-u2/set')).toBeNull();
    expect(subscribeRefusal(device, 'gridlink/+/set')?.message).toBe(
      'device ac-b3-u2 may subscribe only to gridlink/ac-b3-u2/set',
    );
    expect(subscribeRefusal(device, '#')?.message).toBe('device ac-b3-u2 may subscribe only to gridlink/ac-b3-u2/set');
  });

  it('scopes service roles', () => {
    expect(subscribeRefusal(observer, 'gridlink/#')).toBeNull();
    expect(subscribeRefusal(observer, '$SYS/#')?.message).toBe('subscribing to "$" topics is not allowed');
    expect(publishRefusal(observer, 'gridlink/ac-b3-u2/set')?.message).toBe(
      'role observer may not publish to gridlink/ac-b3-u2/set',
    );
    expect(publishRefusal(installer, 'gridlink/bridge/request/device/add')).toBeNull();
    // Reading the device list is for every service; changing anything stays with installers.
    expect(publishRefusal(observer, 'gridlink/bridge/request/devices/list')).toBeNull();
    expect(publishRefusal(observer, 'gridlink/bridge/request/outbox/resend')?.message).toBe(
      'role observer may not publish to gridlink/bridge/request/outbox/resend',
    );
    expect(publishRefusal(installer, 'gridlink/bridge/request/devices/list')).toBeNull();
    expect(publishRefusal(installer, 'gridlink/ac-b3-u2/set')?.message).toBe(
      'role installer may not publish to gridlink/ac-b3-u2/set',
    );
  });

  it('delivers to a device only its own commands', () => {
    expect(mayReceive(device, 'gridlink/ac-b3-u2/set')).toBe(true);
    expect(mayReceive(device, 'gridlink/ac-b3-u1/set')).toBe(false);
    expect(mayReceive(device, 'gridlink/bridge/state')).toBe(false);
    expect(mayReceive(observer, 'gridlink/ac-b3-u1/set')).toBe(true);
  });

  it("compares a device's own topics level by level: a longer or shorter look-alike is not its own", () => {
    const refusedUnderOwn = 'device ac-b3-u2 may publish only under gridlink/ac-b3-u2/';
    for (const topic of [
      'gridlink/ac-b3-u2/',
      'gridlink/ac-b3-u2/setx',
      'gridlink/ac-b3-u2/set/x',
      'gridlink/ac-b3-u2/availability/x',
      'gridlink/ac-b3-u2/availabilit',
      'gridlink/ac-b3-u2/eventx/door',
      'gridlink/ac-b3-u',
      'gridlinkx/ac-b3-u2',
      'gridlinkac-b3-u2',
      'gridlink//ac-b3-u2',
      'other/ac-b3-u2',
    ]) {
      expect(publishRefusal(device, topic)?.message, topic).toBe(refusedUnderOwn);
    }
    expect(publishRefusal(device, 'gridlink/ac-b3-u2/event/')).toBeNull(); // validation refuses it next
    expect(mayReceive(device, 'gridlink/ac-b3-u2/set/x')).toBe(false);
    expect(mayReceive(device, 'gridlink/ac-b3-u2/sett')).toBe(false);
    expect(mayReceive(device, 'gridlink/ac-b3-u2')).toBe(false);
    expect(mayReceive(device, 't-1/gridlink/ac-b3-u2/set', 't-1/gridlink')).toBe(true);
  });

  it('honours a configured base topic', () => {
    expect(publishRefusal(device, 't-1/gridlink/ac-b3-u2', 't-1/gridlink')).toBeNull();
    expect(publishRefusal(device, 'gridlink/ac-b3-u2', 't-1/gridlink')?.message).toBe(
      'device ac-b3-u2 may publish only under t-1/gridlink/ac-b3-u2/',
    );
  });
});
