import { type Names, profileOf } from '@gridlink/protocol';
import type { DeviceRegistry, RegisteredDevice } from '../registry/index.js';
import { BadRequest, type ConsoleRoute, json, readJson } from './http-kit.js';
import type { DeviceLive } from './live-status.js';

/** A device as the console lists it: its registry row and what the gateway last heard of it. */
export interface ConsoleDevice extends RegisteredDevice, DeviceLive {
  availability: 'online' | 'offline' | 'unknown' | 'retired';
  /** The kind's name in both languages (门磁 / Door contact). */
  kindName: Names;
}

/** A registry row as the console shows it, with what the gateway last heard of the device. */
export function consoleDevice(
  record: RegisteredDevice,
  live: DeviceLive,
  availability: 'online' | 'offline' | 'unknown',
): ConsoleDevice {
  return {
    ...record,
    ...live,
    kindName: profileOf(record.kind).name,
    availability: record.status === 'retired' ? 'retired' : availability,
  };
}

export interface DevicesRoutesOptions {
  registry: DeviceRegistry;
  availability: (deviceId: string) => 'online' | 'offline' | 'unknown';
  live: (deviceId: string) => DeviceLive;
}

/** The registry's devices: the list with live status, and an installer's tag, retire and new password. */
export function devicesRoutes(options: DevicesRoutesOptions): ConsoleRoute[] {
  const { registry } = options;
  const device = (record: RegisteredDevice): ConsoleDevice =>
    consoleDevice(record, options.live(record.id), options.availability(record.id));

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/devices$/,
      change: false,
      handle: ({ res }) => json(res, 200, { devices: registry.list().map(device) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/tags$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const id = params[0] ?? '';
        const body = await readJson(req);
        const tags = body.tags;
        if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
          throw new BadRequest('send {"tags": ["elderly_alone", …]}: the device’s whole tag list');
        }
        const updated = registry.setTags(id, tags as string[]);
        audit('device.tags', id, updated.tags.join(','));
        json(res, 200, { device: device(updated) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/retire$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const id = params[0] ?? '';
        const body = await readJson(req);
        const reason = typeof body.reason === 'string' ? body.reason.slice(0, 200) : undefined;
        const retired = registry.retire(id, reason);
        audit('device.retire', id, reason);
        json(res, 200, { device: device(retired) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/password$/,
      change: true,
      handle: async ({ res, params, audit }) => {
        const id = params[0] ?? '';
        const issued = await registry.rotatePassword(id);
        // The password is in this answer only: the audit log says it was rotated, never what to.
        audit('device.rotate_password', id);
        json(res, 200, { device: device(issued.device), password: issued.password });
      },
    },
  ];
}
