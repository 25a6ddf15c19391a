import type {
  CloudEvent,
  DeviceHealth,
  DeviceHealthBatch,
  GatewayHealth,
  InventoryChanged,
  InventoryDevice,
  InventorySync,
  UplinkData,
} from '@gridlink/protocol';
import type { Db, Queryable } from '../db/db.js';
import { lockKey, retryDeadlocks } from '../db/locks.js';

/** The uplink types the device projection reads. */
export const DEVICE_EVENT_TYPES = [
  'cn.gridlink.inventory.sync.v1',
  'cn.gridlink.inventory.changed.v1',
  'cn.gridlink.device.availability.v1',
  'cn.gridlink.device.health.v1',
  'cn.gridlink.device.health_batch.v1',
  'cn.gridlink.gateway.health.v1',
] as const;

const INVENTORY_TYPES: ReadonlySet<string> = new Set([
  'cn.gridlink.inventory.sync.v1',
  'cn.gridlink.inventory.changed.v1',
]);

/** What happened to one event: applied, or skipped because its gateway serves no community on record. */
export type ProjectionOutcome = 'applied' | 'no_community';

/**
 * The devices projection: every gateway's inventory, availability and health folded into the
 * current state of each device of a community (`devices`) and their history. Idempotent and
 * order-independent: each kind of observation replaces the one in force only when it is newer by
 * (`observed_at`, `seq`), histories are keyed by their observation, so any replica may handle any
 * event, twice or late, and every replica ends with the same rows.
 */
export async function projectDeviceEvent(db: Db, event: CloudEvent, receivedAt: Date): Promise<ProjectionOutcome> {
  return (await projectDeviceEvents(db, [event], receivedAt))[0] as ProjectionOutcome;
}

/**
 * Several events (one uplink request, or a sweep's batch): health and availability, which come by
 * the thousand, with a few set-based statements whatever their number (one transaction per event
 * was the intake's bottleneck); inventory messages, rare, one by one under their community's lock,
 * in a transaction. The same guards as one at a time, in the statements themselves, so replicas
 * projecting overlapping batches converge; rows are written in key order, so two batches never
 * wait on each other in a circle.
 *
 * Without inventory messages there is no transaction around the statements: each is idempotent and
 * keeps only what is newer, so one that fails after another succeeded is simply done again (the
 * projector hands the events over once more, each on its own). Most requests carry one gateway's
 * health report and little else, and BEGIN and COMMIT were two of its four round trips.
 */
export async function projectDeviceEvents(
  db: Db,
  events: readonly CloudEvent[],
  receivedAt: Date,
): Promise<ProjectionOutcome[]> {
  if (events.length === 0) return [];
  const inventory = events.some((event) => INVENTORY_TYPES.has(event.type));
  const run = <T>(work: (q: Queryable) => Promise<T>): Promise<T> => (inventory ? db.transaction(work) : work(db));
  return retryDeadlocks(() =>
    run(async (tx) => {
      const communities = await communitiesOf(tx, [...new Set(events.map((event) => event.gatewayid))]);
      const health: Array<{ at: At; health: DeviceHealth }> = [];
      const availability: Array<{ at: At; change: AvailabilityChange; time: string }> = [];
      const gateways: Array<{ at: At; health: GatewayHealth }> = [];
      const outcomes = events.map((event): ProjectionOutcome => {
        const community = communities.get(event.gatewayid);
        return community === undefined ? 'no_community' : 'applied';
      });
      for (const event of events) {
        const community = communities.get(event.gatewayid);
        if (community === undefined) continue;
        const at = { community, gatewayId: event.gatewayid, now: receivedAt };
        switch (event.type) {
          case 'cn.gridlink.inventory.sync.v1':
            await applySyncPart(tx, at, event.data as InventorySync);
            break;
          case 'cn.gridlink.inventory.changed.v1':
            await lockKey(tx, 'inventory', community);
            await upsertInventory(tx, at, [event.data as InventoryChanged], event.data as InventoryChanged);
            break;
          case 'cn.gridlink.device.availability.v1':
            availability.push({ at, change: event.data as AvailabilityChange, time: event.time });
            break;
          case 'cn.gridlink.device.health.v1':
            health.push({ at, health: event.data as DeviceHealth });
            break;
          // Many devices' health in one event: each entry as if it had come on its own.
          case 'cn.gridlink.device.health_batch.v1':
            for (const entry of (event.data as DeviceHealthBatch).devices) health.push({ at, health: entry });
            break;
          case 'cn.gridlink.gateway.health.v1':
            gateways.push({ at, health: event.data as GatewayHealth });
            break;
          default:
            break;
        }
      }
      await applyAvailabilities(tx, availability, receivedAt);
      await applyDeviceHealths(tx, health, receivedAt);
      await applyGatewayHealths(tx, gateways, receivedAt);
      return outcomes;
    }),
  );
}

/** The community each gateway serves; gateways serving none are left out. */
async function communitiesOf(db: Queryable, gatewayIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; community: string }>(
    'SELECT id, community FROM gateways WHERE id = ANY($1::text[]) AND community IS NOT NULL',
    [gatewayIds],
  );
  return new Map(rows.map((row) => [row.id, row.community]));
}

type AvailabilityChange = UplinkData<'cn.gridlink.device.availability.v1'>;

interface At {
  community: string;
  gatewayId: string;
  now: Date;
}

interface Observed {
  observed_at: string;
  seq: number;
}

/**
 * Inventory records, each replacing the one in force only when this observation is newer. A
 * replacement gateway's newer record takes the device over (`gateway_id`).
 */
async function upsertInventory(
  tx: Queryable,
  at: At,
  devices: readonly InventoryDevice[],
  observed: Observed,
): Promise<void> {
  // One row per device: a statement may not update the same row twice.
  const unique = [...new Map(devices.map((device) => [device.device_id, device])).values()];
  if (unique.length === 0) return;
  await tx.query(
    `INSERT INTO devices AS d (community, device_id, gateway_id, device_kind, place, tags, status,
                              inventory_at, inventory_seq, first_reported_at, updated_at)
     SELECT $1, r.device_id, $2, r.device_kind, r.place, r.tags, r.status, $3, $4, $5, $5
       FROM jsonb_to_recordset($6::jsonb) AS r(device_id text, device_kind text, place jsonb, tags text[], status text)
         ON CONFLICT (community, device_id) DO UPDATE
        SET gateway_id = EXCLUDED.gateway_id, device_kind = EXCLUDED.device_kind, place = EXCLUDED.place,
            tags = EXCLUDED.tags, status = EXCLUDED.status, inventory_at = EXCLUDED.inventory_at,
            inventory_seq = EXCLUDED.inventory_seq, updated_at = EXCLUDED.updated_at
      WHERE (d.inventory_at, d.inventory_seq) < (EXCLUDED.inventory_at, EXCLUDED.inventory_seq)`,
    [
      at.community,
      at.gatewayId,
      observed.observed_at,
      observed.seq,
      at.now,
      JSON.stringify(
        unique.map((device) => ({
          device_id: device.device_id,
          device_kind: device.device_kind,
          place: device.place ?? null,
          tags: device.tags,
          status: device.status,
        })),
      ),
    ],
  );
}

/**
 * One part of a full sync: its devices as above, then the part is counted; once every part is in,
 * the community is reconciled with its newest complete sync. Every device that sync lists holds an
 * observation at least as new as the sync's, so those still older were left out of it: they become
 * `missing` (never deleted). Syncs of one community take their turn (a lock), so two reconciliations never race.
 */
async function applySyncPart(tx: Queryable, at: At, sync: InventorySync): Promise<void> {
  await lockKey(tx, 'inventory', at.community);
  await upsertInventory(tx, at, sync.devices, sync);
  const { rows } = await tx.query<{ complete: boolean; reconciled_at: Date | null }>(
    `INSERT INTO inventory_syncs AS s (gateway_id, sync_id, community, parts, received, observed_at, seq)
     VALUES ($1, $2, $3, $4, ARRAY[$5::integer], $6, $7)
         ON CONFLICT (gateway_id, sync_id) DO UPDATE
        SET received = (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(s.received || EXCLUDED.received) AS p)
     RETURNING cardinality(received) >= parts AS complete, reconciled_at`,
    [at.gatewayId, sync.sync_id, at.community, sync.parts, sync.part, sync.observed_at, sync.seq],
  );
  const row = rows[0];
  if (row?.complete && row.reconciled_at === null)
    await tx.query('UPDATE inventory_syncs SET reconciled_at = $3 WHERE gateway_id = $1 AND sync_id = $2', [
      at.gatewayId,
      sync.sync_id,
      at.now,
    ]);
  // Against the newest complete sync of the community, not only this one: an older sync completing
  // after a newer one (reordered) must not bring back a device the newer one left out.
  await tx.query(
    `WITH newest AS (
       SELECT observed_at, seq FROM inventory_syncs
        WHERE community = $1 AND reconciled_at IS NOT NULL ORDER BY observed_at DESC, seq DESC LIMIT 1)
     UPDATE devices AS d SET status = 'missing', inventory_at = n.observed_at, inventory_seq = n.seq, updated_at = $2
       FROM newest AS n
      WHERE d.community = $1 AND d.status <> 'missing' AND (d.inventory_at, d.inventory_seq) < (n.observed_at, n.seq)`,
    [at.community, at.now],
  );
}

/** Newest first by (`observed_at`, `seq`): the order the guards keep. */
function newer(a: Observed, b: Observed): boolean {
  const [ta, tb] = [Date.parse(a.observed_at), Date.parse(b.observed_at)];
  return ta === tb ? a.seq > b.seq : ta > tb;
}

/** One item per key, the one `better` prefers, in key order (a statement may not update a row twice). */
function newestPerKey<T>(items: readonly T[], key: (item: T) => string, better: (a: T, b: T) => boolean): T[] {
  const chosen = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const current = chosen.get(k);
    if (current === undefined || better(item, current)) chosen.set(k, item);
  }
  return [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

const placeJson = (place: unknown) => (place === undefined ? null : place);

/**
 * Availability changes: each starts an interval (the next change ends it); the current availability
 * is the newest change's. A device heard of before its inventory record is known from here on,
 * active.
 */
async function applyAvailabilities(
  tx: Queryable,
  changes: ReadonlyArray<{ at: At; change: AvailabilityChange; time: string }>,
  now: Date,
): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map(({ at, change, time }) => ({
    community: at.community,
    device_id: change.device_id,
    gateway_id: at.gatewayId,
    device_kind: change.device_kind,
    place: placeJson(change.place),
    started_at: time,
    state: change.state,
    reason: change.reason,
  }));
  const history = newestPerKey(
    rows,
    (row) => `${row.community}/${row.device_id}/${new Date(row.started_at).toISOString()}`,
    () => false,
  );
  await tx.query(
    `INSERT INTO device_availability (community, device_id, started_at, state, reason, gateway_id)
     SELECT community, device_id, started_at, state, reason, gateway_id
       FROM jsonb_to_recordset($1::jsonb)
         AS r(community text, device_id text, started_at timestamptz, state text, reason text, gateway_id text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(history)],
  );
  const current = newestPerKey(
    rows,
    (row) => `${row.community}/${row.device_id}`,
    (a, b) => Date.parse(a.started_at) > Date.parse(b.started_at),
  );
  await tx.query(
    `INSERT INTO devices AS d (community, device_id, gateway_id, device_kind, place, status, availability,
                              availability_since, first_reported_at, updated_at)
     SELECT community, device_id, gateway_id, device_kind, place, 'active', state, started_at, $2, $2
       FROM jsonb_to_recordset($1::jsonb)
         AS r(community text, device_id text, gateway_id text, device_kind text, place jsonb, started_at timestamptz,
              state text)
         ON CONFLICT (community, device_id) DO UPDATE
        SET availability = EXCLUDED.availability, availability_since = EXCLUDED.availability_since,
            updated_at = EXCLUDED.updated_at
      WHERE d.availability_since IS NULL OR d.availability_since < EXCLUDED.availability_since`,
    [JSON.stringify(current), now],
  );
}

/**
 * Health summaries: each kept in the history; the newest by (`observed_at`, `seq`) is the device's
 * health in force, and `last_seen` only moves forward. One statement for both, so a batch's
 * summaries are read from their JSON once; rows in key order (device, then observation), so the
 * devices rows and the history keys are taken in the same order by every transaction.
 */
async function applyDeviceHealths(
  tx: Queryable,
  items: ReadonlyArray<{ at: At; health: DeviceHealth }>,
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map(({ at, health }) => ({
    community: at.community,
    device_id: health.device_id,
    gateway_id: at.gatewayId,
    device_kind: health.device_kind,
    observed_at: health.observed_at,
    seq: health.seq,
    availability: health.availability,
    last_seen: health.last_seen,
    battery: health.battery ?? null,
    signal_dbm: health.signal_dbm ?? null,
    faults: health.faults,
    tamper: health.tamper,
    // Set below on the one row per device that is its newest.
    newest: false,
  }));
  const history = newestPerKey(
    rows,
    (row) =>
      `${row.community}\u0000${row.device_id}\u0000${row.gateway_id}\u0000${Date.parse(row.observed_at)}\u0000${row.seq}`,
    () => false,
  );
  for (const row of newestPerKey(history, (row) => `${row.community}\u0000${row.device_id}`, newer)) row.newest = true;
  await tx.query(
    `WITH r AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS r(community text, device_id text, gateway_id text, device_kind text, observed_at timestamptz, seq bigint,
              availability text, last_seen timestamptz, battery real, signal_dbm real, faults text[], tamper boolean,
              newest boolean)
     ), kept AS (
       INSERT INTO device_health (community, device_id, gateway_id, observed_at, seq, availability, last_seen,
                                  battery, signal_dbm, faults, tamper)
       SELECT community, device_id, gateway_id, observed_at, seq, availability, last_seen, battery, signal_dbm,
              faults, tamper
         FROM r
       ON CONFLICT DO NOTHING
     )
     INSERT INTO devices AS d (community, device_id, gateway_id, device_kind, status, health_at, health_seq,
                              last_seen, battery, signal_dbm, faults, tamper, first_reported_at, updated_at)
     SELECT community, device_id, gateway_id, device_kind, 'active', observed_at, seq, last_seen, battery,
            signal_dbm, faults, tamper, $2, $2
       FROM r WHERE newest
         ON CONFLICT (community, device_id) DO UPDATE
        SET health_at = EXCLUDED.health_at, health_seq = EXCLUDED.health_seq,
            last_seen = GREATEST(d.last_seen, EXCLUDED.last_seen), battery = EXCLUDED.battery,
            signal_dbm = EXCLUDED.signal_dbm, faults = EXCLUDED.faults, tamper = EXCLUDED.tamper,
            updated_at = EXCLUDED.updated_at
      WHERE (COALESCE(d.health_at, 'epoch'), COALESCE(d.health_seq, -1)) < (EXCLUDED.health_at, EXCLUDED.health_seq)`,
    [JSON.stringify(history), now],
  );
}

async function applyGatewayHealths(
  tx: Queryable,
  items: ReadonlyArray<{ at: At; health: GatewayHealth }>,
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  const rows = newestPerKey(
    items.map(({ at, health }) => ({
      gateway_id: at.gatewayId,
      observed_at: health.observed_at,
      seq: health.seq,
      data: health,
    })),
    (row) => `${row.gateway_id}/${Date.parse(row.observed_at)}/${row.seq}`,
    () => false,
  );
  await tx.query(
    `INSERT INTO gateway_health (gateway_id, district, observed_at, seq, received_at, data)
     SELECT r.gateway_id, (SELECT left(g.community, 6) FROM gateways AS g WHERE g.id = r.gateway_id), r.observed_at, r.seq, $2, r.data
       FROM jsonb_to_recordset($1::jsonb) AS r(gateway_id text, observed_at timestamptz, seq bigint, data jsonb)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(rows), now],
  );
}

/** Deletes health summaries and finished syncs observed before `before` (the retention period). */
export async function pruneDeviceHistory(db: Queryable, before: Date): Promise<number> {
  let deleted = 0;
  for (const table of ['device_health', 'gateway_health', 'inventory_syncs']) {
    const { rowCount } = await db.query(`DELETE FROM ${table} WHERE observed_at < $1`, [before]);
    deleted += rowCount;
  }
  return deleted;
}
