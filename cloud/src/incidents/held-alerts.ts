import type { Queryable } from '../db/db.js';

/** An alert held below its policy's repeat threshold (domain §7): recorded and counted, no incident of its own. */
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
  building: string | null;
  occurred_at: Date;
  recorded_at: Date;
  incident_id: string | null;
  data: Record<string, unknown>;
}

export interface HeldAlertFilter {
  /** Alerts of this category or below it (`safety` takes `safety.access.door_forced`). */
  category?: string;
  community?: string;
  /** Only those still counting (no incident yet). */
  pending?: boolean;
  limit?: number;
}

/** Held alerts, newest first. */
export async function readHeldAlerts(db: Queryable, filter: HeldAlertFilter = {}): Promise<HeldAlert[]> {
  const { rows } = await db.query<HeldRow>(
    `SELECT alert_id, policy_category, category_code, severity, drill, gateway_id, device_id, community, building,
            occurred_at, recorded_at, incident_id, data
       FROM held_alerts
      WHERE ($1::text IS NULL OR category_code = $1 OR category_code LIKE $1 || '.%')
        AND ($2::text IS NULL OR community = $2)
        AND (NOT $3 OR incident_id IS NULL)
      ORDER BY occurred_at DESC, alert_id LIMIT $4`,
    [filter.category ?? null, filter.community ?? null, filter.pending ?? false, filter.limit ?? 100],
  );
  return rows.map((row) => ({
    alertId: row.alert_id,
    policyCategory: row.policy_category,
    categoryCode: row.category_code,
    severity: row.severity,
    drill: row.drill,
    gatewayId: row.gateway_id,
    deviceId: row.device_id,
    community: row.community,
    building: row.building,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    incidentId: row.incident_id,
    data: row.data,
  }));
}
