import { type CategoryCode, type CloudEvent, uplinkData } from '@gridlink/protocol';
import type { Db, Queryable } from '../db/db.js';
import { decidePolicies } from '../incidents/device-event-policy.js';
import { writeAudit } from '../people/audit.js';

/**
 * The community's alerts (migration 0031): every gateway alert is kept for the property, whatever
 * its device-event policy made of it. An `alert_only` alert opens no incident, so this is the only
 * place it lives; the others show here too, with the incident they became or the count they are
 * held in, so the property sees one list of what its devices raised.
 */

/** What became of an alert in the incident intake, as the property's list shows it. */
export type AlertDisposition = 'alert_only' | 'held' | 'incident' | 'other';

export interface CommunityAlert {
  gateway_id: string;
  alert_id: string;
  community: string;
  device_id: string;
  rule_id: string;
  category: string;
  severity: string;
  policy: string;
  message: { zh: string; en: string };
  place: Record<string, unknown> | null;
  occurrences: number;
  raised_at: string;
  last_seen: string;
  cleared_at: string | null;
  clear_reason: string | null;
  /** `by` is the user's id, `name` their display name. */
  acknowledged: { by: string; name: string; at: string } | null;
  handled: { by: string; name: string; at: string; note: string } | null;
  disposition: AlertDisposition;
  /** The incident it is evidence of (disposition `incident`), or the one its held count opened. */
  incident_id: string | null;
}

interface AlertRow {
  gateway_id: string;
  alert_id: string;
  community: string;
  device_id: string;
  rule_id: string;
  category_code: string;
  severity: string;
  policy: string;
  message: { zh: string; en: string };
  place: Record<string, unknown> | null;
  occurrences: number;
  raised_at: Date;
  last_seen: Date;
  cleared_at: Date | null;
  clear_reason: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  handled_by: string | null;
  handled_at: Date | null;
  handled_note: string | null;
  acknowledged_name: string | null;
  handled_name: string | null;
  held: boolean;
  incident_id: string | null;
}

function toAlert(row: AlertRow): CommunityAlert {
  return {
    gateway_id: row.gateway_id,
    alert_id: row.alert_id,
    community: row.community,
    device_id: row.device_id,
    rule_id: row.rule_id,
    category: row.category_code,
    severity: row.severity,
    policy: row.policy,
    message: row.message,
    place: row.place,
    occurrences: row.occurrences,
    raised_at: row.raised_at.toISOString(),
    last_seen: row.last_seen.toISOString(),
    cleared_at: row.cleared_at?.toISOString() ?? null,
    clear_reason: row.clear_reason,
    acknowledged:
      row.acknowledged_by === null || row.acknowledged_at === null
        ? null
        : { by: row.acknowledged_by, name: row.acknowledged_name ?? '', at: row.acknowledged_at.toISOString() },
    handled:
      row.handled_by === null || row.handled_at === null
        ? null
        : {
            by: row.handled_by,
            name: row.handled_name ?? '',
            at: row.handled_at.toISOString(),
            note: row.handled_note ?? '',
          },
    disposition:
      row.incident_id !== null ? 'incident' : row.held ? 'held' : row.policy === 'alert_only' ? 'alert_only' : 'other',
    incident_id: row.incident_id,
  };
}

/** The alert's columns with what the intake made of it: linked to an incident, or held below a threshold. */
const SELECT = `
  SELECT a.*, h.alert_id IS NOT NULL AS held, coalesce(l.incident_id, h.incident_id) AS incident_id,
         ua.display_name AS acknowledged_name, uh.display_name AS handled_name
    FROM community_alerts a
    LEFT JOIN users ua ON ua.id = a.acknowledged_by
    LEFT JOIN users uh ON uh.id = a.handled_by
    LEFT JOIN incident_alerts l ON l.gateway_id = a.gateway_id AND l.alert_id = a.alert_id
    LEFT JOIN held_alerts h ON h.gateway_id = a.gateway_id AND h.alert_id = a.alert_id`;

export const ALERT_EVENT_TYPES = [
  'cn.gridlink.alert.raised.v1',
  'cn.gridlink.alert.updated.v1',
  'cn.gridlink.alert.cleared.v1',
] as const;

/**
 * Applies gateway alert events to the store. Idempotent and order-proof: a raise or update changes
 * the row only when it is newer (by the alert's `last_seen`); a clear sets the clearing time once.
 * The community is the gateway's (a gateway serves one community); an alert of a gateway without
 * one is left out. Events that fail validation are skipped: the incident intake names them.
 */
export async function applyAlertEvents(db: Db, events: readonly CloudEvent[], now: Date): Promise<void> {
  const active = events.flatMap((event) => {
    if (event.type !== 'cn.gridlink.alert.raised.v1' && event.type !== 'cn.gridlink.alert.updated.v1') return [];
    const parsed = uplinkData[event.type].safeParse(event.data);
    return parsed.success ? [{ gatewayId: event.gatewayid, alert: parsed.data }] : [];
  });
  const cleared = events.flatMap((event) => {
    if (event.type !== 'cn.gridlink.alert.cleared.v1') return [];
    const parsed = uplinkData[event.type].safeParse(event.data);
    return parsed.success ? [{ gatewayId: event.gatewayid, data: parsed.data }] : [];
  });
  if (active.length === 0 && cleared.length === 0) return;
  await db.transaction(async (tx) => {
    const policies = await decidePolicies(
      tx,
      active.map((item) => item.alert.category as CategoryCode),
    );
    for (const { gatewayId, alert } of active) {
      await tx.query(
        `INSERT INTO community_alerts (gateway_id, alert_id, community, device_id, rule_id, category_code, severity,
                policy, message, place, occurrences, raised_at, last_seen, recorded_at)
         SELECT $1, $2, coalesce(g.community, $14), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
           FROM (SELECT (SELECT community FROM gateways WHERE id = $1) AS community) AS g
          WHERE coalesce(g.community, $14) IS NOT NULL
         ON CONFLICT (gateway_id, alert_id) DO UPDATE
            SET severity = excluded.severity, message = excluded.message, place = excluded.place,
                occurrences = excluded.occurrences, last_seen = excluded.last_seen
          WHERE community_alerts.last_seen < excluded.last_seen`,
        [
          gatewayId,
          alert.alert_id,
          alert.device_id,
          alert.rule_id,
          alert.category,
          alert.severity,
          policies.get(alert.category as CategoryCode)?.policy ?? 'auto_incident',
          JSON.stringify(alert.message),
          alert.place === undefined ? null : JSON.stringify(alert.place),
          alert.occurrences,
          alert.since,
          alert.last_seen,
          now,
          alert.place?.community ?? null,
        ],
      );
    }
    for (const { gatewayId, data } of cleared) {
      await tx.query(
        `UPDATE community_alerts SET cleared_at = $3, clear_reason = $4
          WHERE gateway_id = $1 AND alert_id = $2 AND cleared_at IS NULL`,
        [gatewayId, data.alert_id, data.cleared_at, data.reason],
      );
    }
  });
}

export interface AlertListFilter {
  /** Open: not cleared, or cleared but not yet handled by the property. */
  open?: boolean;
  deviceId?: string;
  limit?: number;
}

/** A community's alerts, newest first. */
export async function alertsOfCommunity(
  db: Queryable,
  community: string,
  filter: AlertListFilter = {},
): Promise<CommunityAlert[]> {
  const { rows } = await db.query<AlertRow>(
    `${SELECT}
      WHERE a.community = $1
        AND ($2::boolean IS NULL OR NOT $2::boolean OR a.handled_at IS NULL)
        AND ($3::text IS NULL OR a.device_id = $3)
      ORDER BY a.raised_at DESC, a.alert_id
      LIMIT $4`,
    [community, filter.open ?? null, filter.deviceId ?? null, filter.limit ?? 200],
  );
  return rows.map(toAlert);
}

export async function alertOfCommunity(
  db: Queryable,
  community: string,
  gatewayId: string,
  alertId: string,
): Promise<CommunityAlert | undefined> {
  const { rows } = await db.query<AlertRow>(
    `${SELECT} WHERE a.community = $1 AND a.gateway_id = $2 AND a.alert_id = $3`,
    [community, gatewayId, alertId],
  );
  return rows[0] === undefined ? undefined : toAlert(rows[0]);
}

export type AlertAction = { kind: 'acknowledge' } | { kind: 'handle'; note: string };

/**
 * The property acknowledges (seen, someone is on it) or handles (done, with what was done) an
 * alert, audited in the same transaction. The first acknowledgement stands (who saw it first);
 * handling acknowledges too if nobody had. Handling twice keeps the first: the note is a record.
 * Resolves with the alert as it is now, or undefined when the community has no such alert.
 */
export async function actOnAlert(
  db: Db,
  target: { community: string; gatewayId: string; alertId: string },
  action: AlertAction,
  userId: string,
  at: Date,
): Promise<CommunityAlert | undefined> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      action.kind === 'acknowledge'
        ? `UPDATE community_alerts SET acknowledged_by = $4, acknowledged_at = $5
            WHERE community = $1 AND gateway_id = $2 AND alert_id = $3 AND acknowledged_at IS NULL`
        : `UPDATE community_alerts
              SET acknowledged_by = coalesce(acknowledged_by, $4), acknowledged_at = coalesce(acknowledged_at, $5),
                  handled_by = $4, handled_at = $5, handled_note = $6
            WHERE community = $1 AND gateway_id = $2 AND alert_id = $3 AND handled_at IS NULL`,
      [
        target.community,
        target.gatewayId,
        target.alertId,
        userId,
        at,
        ...(action.kind === 'handle' ? [action.note] : []),
      ],
    );
    const alert = await alertOfCommunity(tx, target.community, target.gatewayId, target.alertId);
    if (alert === undefined) return undefined;
    if (rowCount > 0) {
      await writeAudit(tx, {
        actor: { kind: 'user', userId },
        action: `community_alert.${action.kind}`,
        target: `community_alert:${target.gatewayId}/${target.alertId}`,
        at,
        details: { community: target.community, ...(action.kind === 'handle' ? { note: action.note } : {}) },
      });
    }
    return alert;
  });
}
