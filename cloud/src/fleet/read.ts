import type { GatewayHealth } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import {
  type GatewayVitals,
  type LinkState,
  linkStateOf,
  type Trouble,
  type TroubleThresholds,
  troublesOf,
} from './trouble.js';

/** One gateway as the fleet view shows it. */
export interface FleetGateway {
  gateway_id: string;
  name: string | null;
  /** The community it serves (null: not assigned yet). */
  community: string | null;
  /** The last time the cloud heard anything from it (null: never). */
  last_contact_at: string | null;
  link: LinkState;
  /** From its newest health report (null: none yet). */
  version: string | null;
  outbox: { alarm: number; state: number; telemetry: number; total: number } | null;
  devices: { online: number; total: number };
  /** `authenticated` and `subscribed` are null from gateways that do not report them. */
  cameras: { configured: number; online: number; authenticated: number | null; subscribed: number | null } | null;
  token_age_days: number | null;
  health_observed_at: string | null;
  /** Worst first; empty when all is well. */
  troubles: Array<{ trouble: Trouble; weight: number }>;
}

/** Which gateways a reader sees: all (administrators), or those of communities under prefixes and those they install. */
export type FleetScope =
  | { all: true }
  | { all: false; territoryPrefixes: readonly string[]; gatewayIds: readonly string[] };

interface FleetRow {
  id: string;
  name: string | null;
  community: string | null;
  last_contact: Date | null;
  health: GatewayHealth | null;
  token_created_at: Date | null;
  total: number;
  online: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The gateways in scope (not retired) with what the fleet view shows of each, unsorted. One
 * statement: the device counts as the devices table keeps them per gateway (a district's million
 * devices are not counted on each read); each gateway's last event, newest health report and
 * current token by index probes (LATERAL), so it grows with the gateways shown, not with their
 * devices or history.
 */
export async function fleetGateways(
  q: Queryable,
  scope: FleetScope,
  thresholds: TroubleThresholds,
  now: Date,
  only?: string,
): Promise<FleetGateway[]> {
  const { rows } = await q.query<FleetRow>(
    `WITH shown AS (
       SELECT id, name, community FROM gateways
        WHERE retired_at IS NULL AND ($4::text IS NULL OR id = $4)
          AND ($1::boolean OR community LIKE ANY($2::text[]) OR id = ANY($3::text[]))
     )
     SELECT g.id, g.name, g.community, e.received_at AS last_contact, h.data AS health,
            t.created_at AS token_created_at, c.active AS total, c.online
       FROM shown AS g
       LEFT JOIN gateway_device_counts AS c ON c.gateway_id = g.id
       LEFT JOIN LATERAL (SELECT received_at FROM gateway_events WHERE gateway_id = g.id
                           ORDER BY arrival DESC LIMIT 1) AS e ON true
       LEFT JOIN LATERAL (SELECT data FROM gateway_health WHERE gateway_id = g.id
                           ORDER BY observed_at DESC, seq DESC LIMIT 1) AS h ON true
       LEFT JOIN LATERAL (SELECT created_at FROM gateway_tokens WHERE gateway_id = g.id AND expires_at IS NULL
                           ORDER BY created_at DESC LIMIT 1) AS t ON true`,
    [
      scope.all,
      scope.all ? [] : scope.territoryPrefixes.map((prefix) => `${prefix}%`),
      scope.all ? [] : [...scope.gatewayIds],
      only ?? null,
    ],
  );
  return rows.map((row) => toFleetGateway(row, thresholds, now));
}

function toFleetGateway(row: FleetRow, thresholds: TroubleThresholds, now: Date): FleetGateway {
  const health = row.health;
  const outbox = health === null ? null : health.outbox_depth;
  const cameras =
    health === null
      ? null
      : {
          configured: health.cameras.configured,
          online: health.cameras.online,
          authenticated: health.cameras.authenticated ?? null,
          subscribed: health.cameras.subscribed ?? null,
        };
  const vitals: GatewayVitals = {
    silentForMinutes: row.last_contact === null ? null : (now.getTime() - row.last_contact.getTime()) / MINUTE,
    outbox,
    devices: { online: Number(row.online ?? 0), total: Number(row.total ?? 0) },
    cameras,
    tokenAgeDays: row.token_created_at === null ? null : (now.getTime() - row.token_created_at.getTime()) / DAY,
  };
  return {
    gateway_id: row.id,
    name: row.name,
    community: row.community,
    last_contact_at: row.last_contact?.toISOString() ?? null,
    link: linkStateOf(vitals, thresholds),
    version: health?.version ?? null,
    outbox: outbox === null ? null : { ...outbox, total: outbox.alarm + outbox.state + outbox.telemetry },
    devices: vitals.devices,
    cameras,
    token_age_days: vitals.tokenAgeDays === null ? null : Math.floor(vitals.tokenAgeDays),
    health_observed_at: health?.observed_at ?? null,
    troubles: troublesOf(vitals, thresholds),
  };
}

/** One health report of the gateway's history, as the chart draws it. */
export interface GatewayHealthPoint {
  observed_at: string;
  received_at: string;
  version: string;
  outbox: number;
  outbox_alarm: number;
  clients: number;
  cameras_configured: number;
  cameras_online: number;
  uptime_s: number;
}

/** A time the cloud heard nothing from the gateway for longer than the gap threshold. */
export interface ContactGap {
  from: string;
  to: string;
  minutes: number;
}

export interface VersionChange {
  at: string;
  from: string | null;
  to: string;
}

export interface GatewayHistory {
  health: GatewayHealthPoint[];
  gaps: ContactGap[];
  versions: VersionChange[];
}

/**
 * The gateway's health reports since `since` (oldest first), the gaps between two reports received
 * more than `gapMinutes` apart (a gateway reports every 5 minutes; a backlog delivered late arrives
 * at once, so the gap is in reception), and the reports whose version differs from the one before.
 */
export async function gatewayHistory(
  q: Queryable,
  gatewayId: string,
  since: Date,
  gapMinutes: number,
): Promise<GatewayHistory> {
  const { rows } = await q.query<{ observed_at: Date; received_at: Date; data: GatewayHealth; previous: Date | null }>(
    `SELECT observed_at, received_at, data, lag(received_at) OVER (ORDER BY received_at, observed_at, seq) AS previous
       FROM gateway_health WHERE gateway_id = $1 AND observed_at >= $2
      ORDER BY observed_at, seq`,
    [gatewayId, since],
  );
  const health = rows.map(
    ({ observed_at, received_at, data }): GatewayHealthPoint => ({
      observed_at: observed_at.toISOString(),
      received_at: received_at.toISOString(),
      version: data.version,
      outbox: data.outbox_depth.alarm + data.outbox_depth.state + data.outbox_depth.telemetry,
      outbox_alarm: data.outbox_depth.alarm,
      clients: data.clients,
      cameras_configured: data.cameras.configured,
      cameras_online: data.cameras.online,
      uptime_s: data.uptime_s,
    }),
  );
  const gaps = rows
    .filter((row) => row.previous !== null && row.received_at.getTime() - row.previous.getTime() > gapMinutes * MINUTE)
    .map((row) => ({
      from: (row.previous as Date).toISOString(),
      to: row.received_at.toISOString(),
      minutes: Math.round((row.received_at.getTime() - (row.previous as Date).getTime()) / MINUTE),
    }))
    .sort((a, b) => (a.from < b.from ? -1 : 1));
  const versions: VersionChange[] = [];
  for (const point of health) {
    const last = versions.at(-1)?.to ?? null;
    if (point.version !== last) versions.push({ at: point.observed_at, from: last, to: point.version });
  }
  return { health, gaps, versions };
}
