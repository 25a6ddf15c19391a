import type { Queryable } from '../db/db.js';
import { scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';

/** An alert held below its policy's repeat threshold (docs/domain.md §7): recorded and counted, no incident of its own. */
export interface HeldAlert {
  alertId: string;
  /** The policy row whose threshold holds it. */
  policyCategory: string;
  categoryCode: string;
  severity: string;
  drill: boolean;
  gatewayId: string;
  deviceId: string;
  community: string | null;
  grid: string | null;
  building: string | null;
  occurredAt: Date;
  recordedAt: Date;
  /** The incident it became evidence of once the threshold was reached; null while it still counts. */
  incidentId: string | null;
  data: Record<string, unknown>;
}

interface HeldRow {
  alert_id: string;
  policy_category: string;
  category_code: string;
  severity: string;
  drill: boolean;
  gateway_id: string;
  device_id: string;
  community: string | null;
  grid: string | null;
  building: string | null;
  occurred_at: Date;
  recorded_at: Date;
  incident_id: string | null;
  data: Record<string, unknown>;
}

/** Where the listed alerts may come from: territory prefixes (grid, else community) and gateways. */
export interface HeldAlertScope {
  territoryPrefixes: readonly string[];
  gatewayIds: readonly string[];
}

/** The last alert of a page: the next page starts after it. */
export interface HeldAlertCursor {
  occurredAt: Date;
  alertId: string;
}

export interface HeldAlertFilter {
  /** Alerts of this category or below it (`safety` takes `safety.access.door_forced`). */
  category?: string;
  community?: string;
  /** Only those still counting (no incident yet). */
  pending?: boolean;
  /** Only alerts inside this scope (a caller's territory); all of them without it. */
  scope?: HeldAlertScope;
  /** The page after this alert. */
  after?: HeldAlertCursor;
  limit?: number;
}

export interface HeldAlertPage {
  alerts: HeldAlert[];
  /** Where the next page starts; null on the last page. */
  next: HeldAlertCursor | null;
}

/** Held alerts, newest first (equal times by alert id, descending), a page at a time. */
export async function readHeldAlerts(db: Queryable, filter: HeldAlertFilter = {}): Promise<HeldAlertPage> {
  const limit = filter.limit ?? 100;
  const scope = filter.scope
    ? scopeCondition(filter.scope, { territory: TERRITORY_OF_ROW, gateway: 'gateway_id' }, 7)
    : undefined;
  const { rows } = await db.query<HeldRow>(
    `SELECT alert_id, policy_category, category_code, severity, drill, gateway_id, device_id, community, grid,
            building, occurred_at, recorded_at, incident_id, data
       FROM held_alerts
      WHERE ($1::text IS NULL OR category_code = $1 OR category_code LIKE $1 || '.%')
        AND ($2::text IS NULL OR community = $2)
        AND (NOT $3 OR incident_id IS NULL)
        AND ($4::timestamptz IS NULL OR (occurred_at, alert_id) < ($4::timestamptz, $5::text))
        ${scope ? `AND ${scope.sql}` : ''}
      ORDER BY occurred_at DESC, alert_id DESC LIMIT $6`,
    [
      filter.category ?? null,
      filter.community ?? null,
      filter.pending ?? false,
      filter.after?.occurredAt ?? null,
      filter.after?.alertId ?? null,
      limit + 1,
      ...(scope?.params ?? []),
    ],
  );
  const alerts = rows.slice(0, limit).map(
    (row): HeldAlert => ({
      alertId: row.alert_id,
      policyCategory: row.policy_category,
      categoryCode: row.category_code,
      severity: row.severity,
      drill: row.drill,
      gatewayId: row.gateway_id,
      deviceId: row.device_id,
      community: row.community,
      grid: row.grid,
      building: row.building,
      occurredAt: row.occurred_at,
      recordedAt: row.recorded_at,
      incidentId: row.incident_id,
      data: row.data,
    }),
  );
  const last = alerts.at(-1);
  return {
    alerts,
    next: rows.length > limit && last !== undefined ? { occurredAt: last.occurredAt, alertId: last.alertId } : null,
  };
}
