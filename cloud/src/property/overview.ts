import { DEVICE_KINDS, type DeviceKind, profileOf } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import { type DeviceView, devicesOfCommunity } from '../devices/read.js';
import type { MaintenanceSettings } from '../maintenance/settings.js';

/**
 * Below this battery percent a device is on the property's low-battery list: the same threshold
 * the gateway's built-in `maintenance.low_battery` rule raises its alert at.
 */
export const LOW_BATTERY_PERCENT = 20;

/**
 * One word for how a device is, worst first, so the page's colour and the counts agree:
 * `offline` (red), `fault` (faults or tamper, orange), `low_battery` (yellow), `online` (green),
 * `unknown` (grey: no availability reported yet). Retired devices are not on the overview.
 */
export type DeviceCondition = 'offline' | 'fault' | 'low_battery' | 'online' | 'unknown';

export function conditionOf(device: DeviceView): DeviceCondition {
  if (device.availability === 'offline') return 'offline';
  const health = device.health;
  if (health !== null && (health.faults.length > 0 || health.tamper)) return 'fault';
  if (health?.battery != null && health.battery < LOW_BATTERY_PERCENT) return 'low_battery';
  return device.availability === 'online' ? 'online' : 'unknown';
}

/** The kind's name as people say it (from the device profiles), or the code for a kind the cloud does not know. */
export function kindName(kind: string): { zh: string; en: string } {
  return (DEVICE_KINDS as readonly string[]).includes(kind)
    ? profileOf(kind as DeviceKind).name
    : { zh: kind, en: kind };
}

export interface OverviewDevice extends DeviceView {
  kind_name: { zh: string; en: string };
  condition: DeviceCondition;
  /** Since when the battery has been below the threshold (the first low summary of the current run). */
  low_battery_since: string | null;
}

export interface GatewayLink {
  gateway_id: string;
  name: string | null;
  /** When the cloud last received anything from it (its registration until then). */
  last_contact: string;
  /** Heard from within the maintenance policy's `gateway_silent_minutes`. */
  linked: boolean;
  /** Events waiting in its outbox (alarm + state + telemetry) by its newest health report; null: no report yet. */
  outbox_depth: number | null;
  outbox_by_class: { alarm: number; state: number; telemetry: number } | null;
}

export interface PropertyOverview {
  community: string;
  counts: { total: number; online: number; offline: number; low_battery: number; fault: number; unknown: number };
  /** Every device not retired, by building, unit, floor and id (the page groups them). */
  devices: OverviewDevice[];
  /** Offline devices, longest offline first. */
  offline: OverviewDevice[];
  /** Devices below {@link LOW_BATTERY_PERCENT}, lowest first. */
  low_battery: OverviewDevice[];
  gateways: GatewayLink[];
  low_battery_percent: number;
}

interface PlaceParts {
  building?: string;
  unit?: string;
  floor?: number;
}

const placeOf = (device: DeviceView) => (device.place ?? {}) as PlaceParts;
const byPlace = (a: DeviceView, b: DeviceView) => {
  const pa = placeOf(a);
  const pb = placeOf(b);
  return (
    (pa.building ?? '').localeCompare(pb.building ?? '', 'zh-CN', { numeric: true }) ||
    (pa.unit ?? '').localeCompare(pb.unit ?? '', 'zh-CN', { numeric: true }) ||
    (pa.floor ?? 0) - (pb.floor ?? 0) ||
    a.device_id.localeCompare(b.device_id)
  );
};

/** The community's devices, counts, offline and low-battery lists and gateways, as the property's page shows them. */
export async function propertyOverview(
  db: Queryable,
  community: string,
  settings: MaintenanceSettings,
  now: Date,
): Promise<PropertyOverview> {
  const all = (await devicesOfCommunity(db, community)).filter((device) => device.status !== 'retired');
  const lowSince = await lowBatterySince(db, community);
  const devices = all
    .map((device): OverviewDevice => {
      const condition = conditionOf(device);
      const low = device.health?.battery != null && device.health.battery < LOW_BATTERY_PERCENT;
      return {
        ...device,
        kind_name: kindName(device.device_kind),
        condition,
        low_battery_since: low ? (lowSince.get(device.device_id) ?? null) : null,
      };
    })
    .sort(byPlace);
  const counts = { total: devices.length, online: 0, offline: 0, low_battery: 0, fault: 0, unknown: 0 };
  for (const device of devices) counts[device.condition]++;
  const offline = devices
    .filter((device) => device.condition === 'offline')
    .sort((a, b) => (a.availability_since ?? '').localeCompare(b.availability_since ?? ''));
  const lowBattery = devices
    .filter((device) => (device.health?.battery ?? 100) < LOW_BATTERY_PERCENT)
    .sort((a, b) => (a.health?.battery ?? 0) - (b.health?.battery ?? 0));
  return {
    community,
    counts,
    devices,
    offline,
    low_battery: lowBattery,
    gateways: await gatewayLinks(db, community, settings, now),
    low_battery_percent: LOW_BATTERY_PERCENT,
  };
}

/**
 * Since when each device's battery has been low: the first summary below the threshold after the
 * newest one at or above it (all kept summaries when none was above). Summaries older than the
 * retention period are gone, so "since" is at most that old.
 */
async function lowBatterySince(db: Queryable, community: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ device_id: string; since: Date }>(
    `SELECT h.device_id, min(h.observed_at) AS since
       FROM device_health h
       LEFT JOIN LATERAL (
         SELECT max(ok.observed_at) AS at FROM device_health ok
          WHERE ok.community = h.community AND ok.device_id = h.device_id AND ok.battery >= $2
       ) AS last_ok ON true
      WHERE h.community = $1 AND h.battery < $2 AND (last_ok.at IS NULL OR h.observed_at > last_ok.at)
      GROUP BY h.device_id`,
    [community, LOW_BATTERY_PERCENT],
  );
  return new Map(rows.map((row) => [row.device_id, row.since.toISOString()]));
}

async function gatewayLinks(
  db: Queryable,
  community: string,
  settings: MaintenanceSettings,
  now: Date,
): Promise<GatewayLink[]> {
  const { rows } = await db.query<{ id: string; name: string | null; last: Date; data: unknown }>(
    `SELECT g.id, g.name, COALESCE(e.received_at, g.created_at) AS last, h.data
       FROM gateways AS g
       LEFT JOIN LATERAL (SELECT received_at FROM gateway_events WHERE gateway_id = g.id
                           ORDER BY arrival DESC LIMIT 1) AS e ON true
       LEFT JOIN LATERAL (SELECT data FROM gateway_health WHERE gateway_id = g.id
                           ORDER BY observed_at DESC, seq DESC LIMIT 1) AS h ON true
      WHERE g.community = $1 AND g.retired_at IS NULL
      ORDER BY g.id`,
    [community],
  );
  const silentAfter = now.getTime() - settings.gateway_silent_minutes * 60_000;
  return rows.map((row) => {
    const depth = (row.data as { outbox_depth?: { alarm: number; state: number; telemetry: number } } | null)
      ?.outbox_depth;
    return {
      gateway_id: row.id,
      name: row.name,
      last_contact: row.last.toISOString(),
      linked: row.last.getTime() > silentAfter,
      outbox_depth: depth === undefined ? null : depth.alarm + depth.state + depth.telemetry,
      outbox_by_class: depth ?? null,
    };
  });
}
