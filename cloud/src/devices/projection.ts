import type {
  CloudEvent,
  DeviceHealth,
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
  'cn.gridlink.gateway.health.v1',
] as const;

/** What happened to one event: applied, or skipped because its gateway serves no community on record. */
export type ProjectionOutcome = 'applied' | 'no_community';

/** The community gateway `gatewayId` serves, null when none is on record. */
async function communityOf(db: Queryable, gatewayId: string): Promise<string | null> {
  const { rows } = await db.query<{ community: string | null }>('SELECT community FROM gateways WHERE id = $1', [
    gatewayId,
  ]);
  return rows[0]?.community ?? null;
}

/**
 * The devices projection: every gateway's inventory, availability and health folded into the
 * current state of each device of a community (`devices`) and their history. Idempotent and
 * order-independent: each kind of observation replaces the one in force only when it is newer by
 * (`observed_at`, `seq`), histories are keyed by their observation, so any replica may handle any
 * event, twice or late, and every replica ends with the same rows.
 */
export async function projectDeviceEvent(db: Db, event: CloudEvent, receivedAt: Date): Promise<ProjectionOutcome> {
  return retryDeadlocks(() =>
    db.transaction(async (tx) => {
      const community = await communityOf(tx, event.gatewayid);
      if (community === null) return 'no_community';
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
          await applyAvailability(tx, at, event.data as UplinkData<'cn.gridlink.device.availability.v1'>, event.time);
          break;
        case 'cn.gridlink.device.health.v1':
          await applyDeviceHealth(tx, at, event.data as DeviceHealth);
          break;
        case 'cn.gridlink.gateway.health.v1':
          await applyGatewayHealth(tx, at, event.data as GatewayHealth);
          break;
        default:
          break;
      }
      return 'applied';
    }),
  );
}

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
 * One part of a full sync: its devices as above, then the part is counted; the transaction that
 * completes the sync reconciles it. Every device the sync lists now holds an observation at least
 * as new as the sync's, so those still older were left out of it: they become `missing` (never
 * deleted). Syncs of one community take their turn (a lock), so two reconciliations never race.
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
  if (!row?.complete || row.reconciled_at !== null) return;
  await tx.query(
    `UPDATE devices SET status = 'missing', inventory_at = $2, inventory_seq = $3, updated_at = $4
      WHERE community = $1 AND status <> 'missing' AND (inventory_at, inventory_seq) < ($2::timestamptz, $3::bigint)`,
    [at.community, sync.observed_at, sync.seq, at.now],
  );
  await tx.query('UPDATE inventory_syncs SET reconciled_at = $3 WHERE gateway_id = $1 AND sync_id = $2', [
    at.gatewayId,
    sync.sync_id,
    at.now,
  ]);
}

/** A device heard of before its inventory record (health or availability first): known, active. */
async function ensureDevice(
  tx: Queryable,
  at: At,
  device: { device_id: string; device_kind: string; place?: unknown },
): Promise<void> {
  await tx.query(
    `INSERT INTO devices (community, device_id, gateway_id, device_kind, place, status, first_reported_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'active', $6, $6) ON CONFLICT (community, device_id) DO NOTHING`,
    [
      at.community,
      device.device_id,
      at.gatewayId,
      device.device_kind,
      device.place === undefined ? null : JSON.stringify(device.place),
      at.now,
    ],
  );
}

/**
 * An availability change starts an interval (the next change ends it); the current availability
 * is the newest change's.
 */
async function applyAvailability(
  tx: Queryable,
  at: At,
  change: UplinkData<'cn.gridlink.device.availability.v1'>,
  time: string,
): Promise<void> {
  await ensureDevice(tx, at, change);
  await tx.query(
    `INSERT INTO device_availability (community, device_id, started_at, state, reason, gateway_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [at.community, change.device_id, time, change.state, change.reason, at.gatewayId],
  );
  await tx.query(
    `UPDATE devices SET availability = $3, availability_since = $4, updated_at = $5
      WHERE community = $1 AND device_id = $2 AND (availability_since IS NULL OR availability_since < $4)`,
    [at.community, change.device_id, change.state, time, at.now],
  );
}

async function applyDeviceHealth(tx: Queryable, at: At, health: DeviceHealth): Promise<void> {
  await ensureDevice(tx, at, health);
  await tx.query(
    `INSERT INTO device_health (community, device_id, gateway_id, observed_at, seq, availability, last_seen,
                                battery, signal_dbm, faults, tamper)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
    [
      at.community,
      health.device_id,
      at.gatewayId,
      health.observed_at,
      health.seq,
      health.availability,
      health.last_seen,
      health.battery ?? null,
      health.signal_dbm ?? null,
      health.faults,
      health.tamper,
    ],
  );
  await tx.query(
    `UPDATE devices
        SET health_at = $3, health_seq = $4, last_seen = GREATEST(last_seen, $5::timestamptz), battery = $6,
            signal_dbm = $7, faults = $8, tamper = $9, updated_at = $10
      WHERE community = $1 AND device_id = $2
        AND (COALESCE(health_at, 'epoch'), COALESCE(health_seq, -1)) < ($3::timestamptz, $4::bigint)`,
    [
      at.community,
      health.device_id,
      health.observed_at,
      health.seq,
      health.last_seen,
      health.battery ?? null,
      health.signal_dbm ?? null,
      health.faults,
      health.tamper,
      at.now,
    ],
  );
}

async function applyGatewayHealth(tx: Queryable, at: At, health: GatewayHealth): Promise<void> {
  await tx.query(
    `INSERT INTO gateway_health (gateway_id, observed_at, seq, received_at, data)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [at.gatewayId, health.observed_at, health.seq, at.now, JSON.stringify(health)],
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
