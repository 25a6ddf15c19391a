import type { BridgeCommandResponse } from '@gridlink/protocol';
import type { Directory } from '../devices/directory.js';

/**
 * `bridge/request/devices/list`: every device on record with its kind, status, place and tags
 * (never its credentials), so a flow can pick devices by building, unit, floor or tag. Read-only:
 * observers and integrators may ask (see READ_ONLY_BRIDGE_COMMANDS).
 */
export function listDevices(directory: Directory): BridgeCommandResponse<'devices/list'> {
  const devices = [...(directory.allDevices?.() ?? directory.activeDevices())]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((device) => ({
      id: device.id,
      kind: device.kind,
      status: device.status,
      ...(device.place ? { place: device.place } : {}),
      tags: [...(device.tags ?? [])],
    }));
  return { devices };
}
