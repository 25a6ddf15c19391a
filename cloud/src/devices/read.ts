import type { Queryable } from '../db/db.js';

/** A device as the read APIs show it: inventory, current availability and the newest health. */
export interface DeviceView {
  device_id: string;
  community: string;
  gateway_id: string;
  device_kind: string;
  place: unknown;
  tags: string[];
  status: 'active' | 'retired' | 'missing';
  /** When the inventory record in force was observed (null: known only from health or availability). */
  inventory_observed_at: string | null;
  availability: 'online' | 'offline' | null;
  availability_since: string | null;
  health: {
    observed_at: string;
    last_seen: string | null;
    battery: number | null;
    signal_dbm: number | null;
    faults: string[];
    tamper: boolean;
  } | null;
}

interface DeviceRow {
  device_id: string;
  community: string;
  gateway_id: string;
  device_kind: string;
  place: unknown;
  tags: string[];
  status: DeviceView['status'];
  inventory_at: Date;
  availability: DeviceView['availability'];
  availability_since: Date | null;
  health_at: Date | null;
  last_seen: Date | null;
  battery: number | null;
  signal_dbm: number | null;
  faults: string[];
  tamper: boolean;
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function toView(row: DeviceRow): DeviceView {
  return {
    device_id: row.device_id,
    community: row.community,
    gateway_id: row.gateway_id,
    device_kind: row.device_kind,
    place: row.place ?? null,
    tags: row.tags,
    status: row.status,
    inventory_observed_at: row.inventory_at.getTime() === 0 ? null : row.inventory_at.toISOString(),
    availability: row.availability,
    availability_since: iso(row.availability_since),
    health:
      row.health_at === null
        ? null
        : {
            observed_at: row.health_at.toISOString(),
            last_seen: iso(row.last_seen),
            battery: row.battery,
            signal_dbm: row.signal_dbm,
            faults: row.faults,
            tamper: row.tamper,
          },
  };
}

const COLUMNS = `device_id, community, gateway_id, device_kind, place, tags, status, inventory_at, availability,
  availability_since, health_at, last_seen, battery, signal_dbm, faults, tamper`;

export interface DeviceListFilter {
  status?: DeviceView['status'];
}

/** The devices of a community, by id. */
export async function devicesOfCommunity(
  db: Queryable,
  community: string,
  filter: DeviceListFilter = {},
): Promise<DeviceView[]> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE community = $1 AND ($2::text IS NULL OR status = $2) ORDER BY device_id`,
    [community, filter.status ?? null],
  );
  return rows.map(toView);
}

/** The devices a gateway reported last (a replaced gateway's devices move to its successor). */
export async function devicesOfGateway(
  db: Queryable,
  gatewayId: string,
  filter: DeviceListFilter = {},
): Promise<DeviceView[]> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE gateway_id = $1 AND ($2::text IS NULL OR status = $2)
      ORDER BY community, device_id`,
    [gatewayId, filter.status ?? null],
  );
  return rows.map(toView);
}

export interface AvailabilityInterval {
  state: 'online' | 'offline';
  reason: string;
  started_at: string;
  /** Null while the interval lasts. */
  ended_at: string | null;
}

/** A device's availability history, oldest first: each change lasts until the next one. */
export async function availabilityIntervals(
  db: Queryable,
  community: string,
  deviceId: string,
  limit = 1000,
): Promise<AvailabilityInterval[]> {
  const { rows } = await db.query<{
    state: 'online' | 'offline';
    reason: string;
    started_at: Date;
    ended_at: Date | null;
  }>(
    `SELECT * FROM (
       SELECT state, reason, started_at, lead(started_at) OVER (ORDER BY started_at) AS ended_at
         FROM device_availability WHERE community = $1 AND device_id = $2
        ORDER BY started_at DESC LIMIT $3
     ) AS newest ORDER BY started_at`,
    [community, deviceId, limit],
  );
  return rows.map((row) => ({
    state: row.state,
    reason: row.reason,
    started_at: row.started_at.toISOString(),
    ended_at: iso(row.ended_at),
  }));
}

/** The community a gateway serves, or undefined for an unknown gateway (null: none on record). */
export async function gatewayCommunity(db: Queryable, gatewayId: string): Promise<string | null | undefined> {
  const { rows } = await db.query<{ community: string | null }>('SELECT community FROM gateways WHERE id = $1', [
    gatewayId,
  ]);
  return rows.length === 0 ? undefined : (rows[0]?.community ?? null);
}

/** The gateway's newest health report (by its own observation order), or null. */
export async function latestGatewayHealth(db: Queryable, gatewayId: string): Promise<unknown> {
  const { rows } = await db.query<{ data: unknown }>(
    'SELECT data FROM gateway_health WHERE gateway_id = $1 ORDER BY observed_at DESC, seq DESC LIMIT 1',
    [gatewayId],
  );
  return rows[0]?.data ?? null;
}

/** One device of a community, or undefined. */
export async function deviceOfCommunity(
  db: Queryable,
  community: string,
  deviceId: string,
): Promise<DeviceView | undefined> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE community = $1 AND device_id = $2`, [
    community,
    deviceId,
  ]);
  return rows[0] === undefined ? undefined : toView(rows[0]);
}

export interface HealthSummary {
  gateway_id: string;
  observed_at: string;
  availability: string;
  last_seen: string | null;
  battery: number | null;
  signal_dbm: number | null;
  faults: string[];
  tamper: boolean;
}

/** A device's health summaries still kept, newest first, at most `limit`. */
export async function healthHistory(
  db: Queryable,
  community: string,
  deviceId: string,
  limit: number,
): Promise<HealthSummary[]> {
  const { rows } = await db.query<{
    gateway_id: string;
    observed_at: Date;
    availability: string;
    last_seen: Date | null;
    battery: number | null;
    signal_dbm: number | null;
    faults: string[];
    tamper: boolean;
  }>(
    `SELECT gateway_id, observed_at, availability, last_seen, battery, signal_dbm, faults, tamper
       FROM device_health WHERE community = $1 AND device_id = $2
      ORDER BY observed_at DESC, seq DESC LIMIT $3`,
    [community, deviceId, limit],
  );
  return rows.map((row) => ({ ...row, observed_at: row.observed_at.toISOString(), last_seen: iso(row.last_seen) }));
}
