import { CommissioningLink, type Names, profileOf } from '@gridlink/protocol';
import type { CameraHealth } from '../onvif/camera-session.js';
import type { DeviceRegistry } from '../registry/index.js';
import { CloudUnreachableError } from '../uplink/cloud-client.js';
import type { UplinkModule } from '../uplink/uplink-module.js';

/** A registered device the gateway has never heard, listed by where it is installed. */
export interface MissingDevice {
  id: string;
  kind: string;
  kindName: Names;
  building?: string;
  unit?: string;
  floor?: number;
  room?: string;
}

export interface DevicesCheck {
  passed: boolean;
  total: number;
  seen: number;
  /** Sorted by building, unit, floor, room: the order an installer walks the site in. */
  missing: MissingDevice[];
}

export interface CamerasCheck {
  /** Every configured camera authenticated and subscribed (true with none configured). */
  passed: boolean;
  configured: number;
  ready: number;
  cameras: CameraHealth[];
}

/**
 * `ok`: the cloud answered the round trip; `unreachable`: no answer (down, cut off); `refused`: it
 * answered but refused this gateway (token, id); `disabled`: the uplink is off on this gateway.
 */
export interface CloudCheck {
  passed: boolean;
  state: 'ok' | 'unreachable' | 'refused' | 'disabled';
  round_trip_ms?: number;
  /** The community the cloud has this gateway serving (it should be this gateway's). */
  community?: string | null;
  detail?: string;
}

const byPlace = (a: MissingDevice, b: MissingDevice) =>
  (a.building ?? '').localeCompare(b.building ?? '', 'zh-CN', { numeric: true }) ||
  (a.unit ?? '').localeCompare(b.unit ?? '', 'zh-CN', { numeric: true }) ||
  (a.floor ?? 0) - (b.floor ?? 0) ||
  (a.room ?? '').localeCompare(b.room ?? '', 'zh-CN', { numeric: true }) ||
  a.id.localeCompare(b.id);

/** Every active device of the registry heard at least once (ever, not just since the gateway started). */
export function devicesCheck(registry: DeviceRegistry): DevicesCheck {
  const seen = registry.firstSeen();
  const active = registry.list().filter((device) => device.status === 'active');
  const missing = active
    .filter((device) => !seen.has(device.id))
    .map(
      (device): MissingDevice => ({
        id: device.id,
        kind: device.kind,
        kindName: profileOf(device.kind).name,
        ...(device.place?.building ? { building: device.place.building } : {}),
        ...(device.place?.unit ? { unit: device.place.unit } : {}),
        ...(device.place?.floor !== undefined ? { floor: device.place.floor } : {}),
        ...(device.place?.room ? { room: device.place.room } : {}),
      }),
    )
    .sort(byPlace);
  return { passed: missing.length === 0, total: active.length, seen: active.length - missing.length, missing };
}

export function camerasCheck(cameras: CameraHealth[]): CamerasCheck {
  const ready = cameras.filter((camera) => camera.authenticated && camera.subscribed).length;
  return { passed: ready === cameras.length, configured: cameras.length, ready, cameras };
}

/** A real round trip to the cloud with the gateway's own token. */
export async function cloudCheck(uplink: UplinkModule | undefined, now: () => number): Promise<CloudCheck> {
  if (!uplink) return { passed: false, state: 'disabled' };
  const sentAt = now();
  try {
    const { status, body } = await uplink.commissioningLink();
    const roundTrip = now() - sentAt;
    if (status === 200) {
      const link = CommissioningLink.safeParse(body);
      return {
        passed: true,
        state: 'ok',
        round_trip_ms: roundTrip,
        community: link.success ? link.data.community : null,
      };
    }
    if (status === 401 || status === 403) {
      return { passed: false, state: 'refused', detail: `HTTP ${status}: check uplink.token and gateway.id` };
    }
    return { passed: false, state: 'unreachable', detail: `HTTP ${status}` };
  } catch (err) {
    const detail = err instanceof CloudUnreachableError ? err.message : String(err);
    return { passed: false, state: 'unreachable', detail };
  }
}
