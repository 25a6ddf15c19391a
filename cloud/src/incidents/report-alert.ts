import type { Queryable } from '../db/db.js';
import { lockAll } from '../db/locks.js';
import { alertKey } from './intake-plan.js';
import type { IncidentRow } from './records.js';
import { readIncidentRow } from './store.js';

/** The gateway alert a report is about: alert ids are the gateway's own, so both name it. */
export interface ReportedAlert {
  gatewayId: string;
  alertId: string;
}

/**
 * The locks a report takes, in the one order every transaction takes them (`lockAll`): its
 * request id, and the alert it names under the same key the gateway's uplink of that alert locks,
 * so a report and the alert arriving together are taken one after the other and the second finds
 * the first's incident.
 */
export async function lockReport(tx: Queryable, intakeRequestId: string, alert: ReportedAlert | undefined) {
  await lockAll(tx, [
    ['intake', intakeRequestId],
    ...(alert ? [['alert', alertKey(alert.gatewayId, alert.alertId)] as const] : []),
  ]);
}

/** The incident the alert is already linked to (by its uplink or an earlier report), locked for the answer. */
export async function incidentOfAlert(tx: Queryable, alert: ReportedAlert): Promise<IncidentRow | undefined> {
  const { rows } = await tx.query<{ incident_id: string }>(
    'SELECT incident_id FROM incident_alerts WHERE gateway_id = $1 AND alert_id = $2',
    [alert.gatewayId, alert.alertId],
  );
  const linked = rows[0];
  return linked ? readIncidentRow(tx, linked.incident_id, { forUpdate: true }) : undefined;
}

/**
 * Links the alert to the incident the report just opened: when the alert comes through the
 * gateway's uplink later, the intake finds the link and records it on this incident instead of
 * opening another. The primary key (gateway_id, alert_id) keeps it to one incident even if the
 * lock were bypassed: a second link fails and its transaction with it.
 */
export async function linkReportedAlert(tx: Queryable, alert: ReportedAlert, incidentId: string, now: Date) {
  await tx.query(
    `INSERT INTO incident_alerts (gateway_id, alert_id, incident_id, district, linked_at)
     VALUES ($1, $2, $3, (SELECT district FROM incidents WHERE id = $3), $4)`,
    [alert.gatewayId, alert.alertId, incidentId, now],
  );
}
