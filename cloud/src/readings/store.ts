import { type CloudEvent, type DeviceKind, readingFields, type UplinkData } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';

/**
 * The uplink types the readings store takes: many devices' numeric state summarised over a window
 * (`readings.window`, the gateway's inventory module), and one device's (`telemetry.summary`, sent
 * by gateways before the batched form).
 */
export const READING_EVENT_TYPES = ['cn.gridlink.readings.window.v1', 'cn.gridlink.telemetry.summary.v1'] as const;

type Summary = UplinkData<'cn.gridlink.telemetry.summary.v1'>;
type FieldStats = Summary['fields'][string];
interface Row {
  gateway: string;
  device_id: string;
  device_kind: string;
  window_start: string;
  window_end: string;
  fields: Record<string, FieldStats>;
}

/** The summaries an event holds, one per device. */
function rowsOf(event: CloudEvent): Row[] {
  const gateway = event.gatewayid;
  if (event.type === 'cn.gridlink.telemetry.summary.v1') {
    const { device_id, device_kind, window_start, window_end, fields } = event.data as Summary;
    return [{ gateway, device_id, device_kind, window_start, window_end, fields }];
  }
  if (event.type === 'cn.gridlink.readings.window.v1') {
    const window = event.data as UplinkData<'cn.gridlink.readings.window.v1'>;
    return window.devices.map((device) => ({
      gateway,
      device_id: device.device_id,
      device_kind: device.device_kind,
      window_start: window.window_start,
      window_end: window.window_end,
      fields: device.fields,
    }));
  }
  return [];
}

/**
 * Stores window summaries of the devices' readings, under the community their gateway serves
 * (none on record: skipped). Set-based, one statement whatever the number. A window already stored
 * is replaced only by one that reaches further (a gateway restarted within the window sends its
 * first part at shutdown, the rest later), so duplicates and reordering end with the same rows.
 * Resolves with how many summaries were stored or replaced.
 */
export async function storeReadings(db: Queryable, events: readonly CloudEvent[], receivedAt: Date): Promise<number> {
  const rows = new Map<string, Row>();
  for (const row of events.flatMap(rowsOf)) {
    // One row per device and window in a statement (ON CONFLICT may touch a row once); within a
    // batch, the same rule as against the table: the window reaching furthest wins.
    const key = `${row.device_id}\u0000${Date.parse(row.window_start)}`;
    const held = rows.get(key);
    if (held === undefined || Date.parse(held.window_end) < Date.parse(row.window_end)) rows.set(key, row);
  }
  if (rows.size === 0) return 0;
  // Sorted by key so two replicas writing overlapping batches take row locks in the same order.
  const sorted = [...rows.values()].sort(
    (a, b) => a.device_id.localeCompare(b.device_id) || Date.parse(a.window_start) - Date.parse(b.window_start),
  );
  const { rowCount } = await db.query(
    `INSERT INTO device_readings
       (community, device_id, window_start, window_end, gateway_id, device_kind, fields, received_at)
     SELECT g.community, r.device_id, r.window_start, r.window_end, r.gateway_id, r.device_kind, r.fields, $7
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::jsonb[])
              WITH ORDINALITY AS r(gateway_id, device_id, window_start, window_end, device_kind, fields, n)
       JOIN gateways g ON g.id = r.gateway_id AND g.community IS NOT NULL
      ORDER BY r.n
     ON CONFLICT (community, device_id, window_start) DO UPDATE
        SET window_end = EXCLUDED.window_end, gateway_id = EXCLUDED.gateway_id,
            device_kind = EXCLUDED.device_kind, fields = EXCLUDED.fields, received_at = EXCLUDED.received_at
      WHERE device_readings.window_end < EXCLUDED.window_end`,
    [
      sorted.map((row) => row.gateway),
      sorted.map((row) => row.device_id),
      sorted.map((row) => row.window_start),
      sorted.map((row) => row.window_end),
      sorted.map((row) => row.device_kind),
      sorted.map((row) => JSON.stringify(row.fields)),
      receivedAt,
    ],
  );
  return rowCount;
}

/** Deletes the summaries of windows that started before `before`; resolves with how many went. */
export async function pruneReadings(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM device_readings WHERE window_start < $1', [before]);
  return rowCount;
}

/** One window of one field. */
export interface ReadingPoint {
  window_start: string;
  window_end: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  last: number;
}

/** One field of a device over time, named and with its unit for the chart. */
export interface ReadingSeries {
  field: string;
  name: { zh: string; en: string };
  unit: string;
  points: ReadingPoint[];
}

/** Most windows one read returns per device (30 days of 5-minute windows is 8,640). */
const MAX_WINDOWS = 10_000;

/**
 * A device's readings since `since`, a series per field in the order of its profile (fields the
 * profile does not declare as readings, battery and signal among them, are left out). No series
 * for a field with no window in the period.
 */
export async function readingSeries(
  db: Queryable,
  community: string,
  deviceId: string,
  since: Date,
): Promise<ReadingSeries[]> {
  const { rows } = await db.query<{
    window_start: Date;
    window_end: Date;
    device_kind: string;
    fields: Record<string, FieldStats>;
  }>(
    `SELECT window_start, window_end, device_kind, fields FROM device_readings
      WHERE community = $1 AND device_id = $2 AND window_start >= $3
      ORDER BY window_start DESC LIMIT ${MAX_WINDOWS}`,
    [community, deviceId, since],
  );
  rows.reverse();
  const newest = rows.at(-1);
  if (newest === undefined) return [];
  const series: ReadingSeries[] = [];
  for (const { field, name, unit } of readingFields(newest.device_kind as DeviceKind)) {
    const points: ReadingPoint[] = [];
    for (const row of rows) {
      const stats = row.fields[field];
      if (stats === undefined) continue;
      points.push({
        window_start: row.window_start.toISOString(),
        window_end: row.window_end.toISOString(),
        ...stats,
      });
    }
    if (points.length > 0) series.push({ field, name, unit, points });
  }
  return series;
}
