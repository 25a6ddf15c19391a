import type { Db } from '../db/db.js';
import type { EventVerdict } from './validate.js';

type Valid = Extract<EventVerdict, { ok: true }>;

/**
 * Inserts a batch's valid events in one statement and says which were new. Array order is kept in
 * `arrival` (WITH ORDINALITY … ORDER BY); an event already stored is skipped by ON CONFLICT on the
 * key (source, id, time), so a retried batch inserts nothing twice: a replay carries the event's
 * `time` unchanged (the gateway sends the body it stored). The key holds `time` because the table
 * is partitioned by it (docs/partitions.md); a key repeated within the batch is kept once here.
 * Returns the keys (`source id`) that were inserted.
 */
export async function insertEvents(
  db: Db,
  gatewayId: string,
  events: readonly Valid[],
  receivedAt: Date,
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const columns = {
    source: [] as string[],
    id: [] as string[],
    device_id: [] as (string | null)[],
    device_seq: [] as (number | null)[],
    type: [] as string[],
    priority: [] as string[],
    time: [] as string[],
    replayed: [] as boolean[],
    drill: [] as boolean[],
    data: [] as string[],
  };
  const seen = new Set<string>();
  for (const { event, data } of events) {
    const key = eventKey(event.source, event.id);
    if (seen.has(key)) continue;
    seen.add(key);
    columns.source.push(event.source);
    columns.id.push(event.id);
    columns.device_id.push(event.deviceid ?? null);
    columns.device_seq.push(event.deviceseq ?? null);
    columns.type.push(event.type);
    columns.priority.push(event.priority);
    columns.time.push(event.time);
    columns.replayed.push(event.replayed ?? false);
    columns.drill.push(event.drill ?? false);
    columns.data.push(data);
  }
  const { rows } = await db.query<{ source: string; id: string }>(
    `INSERT INTO gateway_events
            (source, id, gateway_id, device_id, device_seq, type, priority, time, received_at, replayed, drill, data)
     SELECT e.source, e.id, $1, e.device_id, e.device_seq, e.type, e.priority, e.time, $2, e.replayed, e.drill, e.data
       FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
                   $9::timestamptz[], $10::boolean[], $12::boolean[], $11::jsonb[])
            WITH ORDINALITY AS e(source, id, device_id, device_seq, type, priority, time, replayed, drill, data, position)
      ORDER BY e.position
         ON CONFLICT DO NOTHING
  RETURNING source, id`,
    [
      gatewayId,
      receivedAt,
      columns.source,
      columns.id,
      columns.device_id,
      columns.device_seq,
      columns.type,
      columns.priority,
      columns.time,
      columns.replayed,
      columns.data,
      columns.drill,
    ],
  );
  return new Set(rows.map((row) => eventKey(row.source, row.id)));
}

export const eventKey = (source: string, id: string) => `${source} ${id}`;
