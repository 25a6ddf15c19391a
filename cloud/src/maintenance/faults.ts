import type { Queryable } from '../db/db.js';
import { type MaintenanceSettings, offlineMinutesOf } from './settings.js';

/**
 * What the policy makes tickets of (docs/domain.md §7): silence, which only the cloud can judge over
 * time. A low battery, tamper and faults are the gateway's own maintenance alerts (its rules work
 * offline), which open their tickets through the device-event policy; one owner per fault, so never
 * two tickets for one.
 */
export const FAULTS = ['offline', 'gateway_offline'] as const;
export type Fault = (typeof FAULTS)[number];

/** A fault found in the devices projection or in a gateway's silence, as it stands now. */
export interface Detection {
  /** The ticket's dedup key: one open ticket per device (or gateway) and fault. */
  key: string;
  fault: Fault;
  community: string;
  /** Null for a silent gateway. */
  deviceId: string | null;
  gatewayId: string;
  place: DevicePlace;
  /** When the fault began, as far as the cloud knows. */
  since: Date;
  /** Gateway tickets: the threshold it passed (minutes), for the title. */
  minutes?: number;
}

export interface DevicePlace {
  grid: string | null;
  building: string | null;
  unit: string | null;
  floor: number | null;
  room: string | null;
}

const NO_PLACE: DevicePlace = { grid: null, building: null, unit: null, floor: null, room: null };

/** Every maintenance key starts so; the fault is its last segment. */
export const KEY_PREFIX = 'maintenance:';

export const deviceKey = (community: string, deviceId: string, fault: Fault) =>
  `${KEY_PREFIX}${community}:${deviceId}:${fault}`;
export const gatewayKey = (gatewayId: string) => `${KEY_PREFIX}gateway:${gatewayId}:gateway_offline`;

/** The fault a ticket's key names. */
export function faultOfKey(key: string): Fault | undefined {
  const fault = key.slice(key.lastIndexOf(':') + 1);
  return (FAULTS as readonly string[]).includes(fault) ? (fault as Fault) : undefined;
}

interface DeviceRow {
  community: string;
  device_id: string;
  gateway_id: string;
  device_kind: string;
  place: Partial<Record<keyof DevicePlace, unknown>> | null;
  availability_since: Date;
}

function placeOf(place: DeviceRow['place']): DevicePlace {
  if (place === null) return NO_PLACE;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  return {
    grid: text(place.grid),
    building: text(place.building),
    unit: text(place.unit),
    floor: typeof place.floor === 'number' ? place.floor : null,
    room: text(place.room),
  };
}

/**
 * The faults standing now: devices (not retired) offline past their kind's threshold, unless a ticket
 * for it is already open by another way (a rule of the gateway's own, say); gateways serving a
 * community that sent nothing for longer than their threshold. Read from the devices projection and
 * the stored gateway events.
 */
export async function detectFaults(q: Queryable, settings: MaintenanceSettings, now: Date): Promise<Detection[]> {
  const { rows: devices } = await q.query<DeviceRow>(
    `SELECT d.community, d.device_id, d.gateway_id, d.device_kind, d.place, d.availability_since
       FROM devices AS d
      WHERE d.status <> 'retired' AND d.availability = 'offline' AND d.availability_since IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM incidents AS i
                         WHERE i.community = d.community AND i.device_id = d.device_id
                           AND i.category_code = 'device_maintenance.offline' AND i.closed_at IS NULL
                           AND (i.dedup_key IS NULL OR i.dedup_key NOT LIKE '${KEY_PREFIX}%'))`,
  );
  const found: Detection[] = [];
  for (const row of devices) {
    const limitMs = offlineMinutesOf(settings, row.device_kind) * 60_000;
    if (now.getTime() - row.availability_since.getTime() < limitMs) continue;
    found.push({
      key: deviceKey(row.community, row.device_id, 'offline'),
      fault: 'offline',
      community: row.community,
      deviceId: row.device_id,
      gatewayId: row.gateway_id,
      place: placeOf(row.place),
      since: row.availability_since,
    });
  }
  const { rows: gateways } = await q.query<{ id: string; community: string; last: Date }>(
    `SELECT g.id, g.community, COALESCE(e.received_at, g.created_at) AS last
       FROM gateways AS g
       LEFT JOIN LATERAL (SELECT received_at FROM gateway_events WHERE gateway_id = g.id
                           ORDER BY arrival DESC LIMIT 1) AS e ON true
      WHERE g.community IS NOT NULL AND g.retired_at IS NULL
        AND COALESCE(e.received_at, g.created_at) <= $1`,
    [new Date(now.getTime() - settings.gateway_silent_minutes * 60_000)],
  );
  for (const row of gateways)
    found.push({
      key: gatewayKey(row.id),
      fault: 'gateway_offline',
      community: row.community,
      deviceId: null,
      gatewayId: row.id,
      place: NO_PLACE,
      since: row.last,
      minutes: settings.gateway_silent_minutes,
    });
  return found;
}
