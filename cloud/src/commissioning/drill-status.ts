import type { DrillStatus } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';

/** 张网格 → 张**: the first character, then ** whatever the length (the length says something too). */
export const maskName = (name: string) => `${[...name][0] ?? ''}**`;

/**
 * How far a gateway's drill alert got in the cloud, for the installer's commissioning check: the
 * incident made from it (in drill mode), its dispatch, and what the person it went to was shown.
 * "Visible to the grid worker on duty" means: dispatched to a grid worker (the roster's worker on
 * duty, or their substitute), so it is in that person's task list, and the app's live notice to them
 * sent (the notification log's `live` channel).
 *
 * The drill incident of `gatewayId`'s alert `alertId`; undefined when the cloud made none (yet), or
 * when the alert's incident is not a drill (a gateway sees only its own drills through this).
 */
export async function drillStatus(db: Queryable, gatewayId: string, alertId: string): Promise<DrillStatus | undefined> {
  const { rows } = await db.query<{ id: string; state: string; created_at: Date }>(
    `SELECT i.id, i.state, i.created_at
       FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
      WHERE a.gateway_id = $1 AND a.alert_id = $2 AND i.drill`,
    [gatewayId, alertId],
  );
  const incident = rows[0];
  if (!incident) return undefined;
  const dispatched = await db.query<{ at: Date; data: { assignee?: string; assignee_kind?: string; reason?: string } }>(
    `SELECT at, data FROM incident_steps WHERE incident_id = $1 AND action IN ('dispatch', 'redispatch')
      ORDER BY seq DESC LIMIT 1`,
    [incident.id],
  );
  const step = dispatched.rows[0];
  let dispatch: DrillStatus['dispatched'] = null;
  let notifiedAt: string | null = null;
  if (step?.data.assignee) {
    const person = await db.query<{ display_name: string }>('SELECT display_name FROM users WHERE id = $1', [
      step.data.assignee,
    ]);
    dispatch = {
      at: step.at.toISOString(),
      assignee_kind: step.data.assignee_kind ?? 'unknown',
      reason: step.data.reason ?? 'unknown',
      assignee_name: maskName(person.rows[0]?.display_name ?? step.data.assignee),
    };
    const notice = await db.query<{ at: Date }>(
      `SELECT min(at) AS at FROM notification_log
        WHERE incident_id = $1 AND channel = 'live' AND status = 'sent' AND at >= $2`,
      [incident.id, step.at],
    );
    notifiedAt = notice.rows[0]?.at ? notice.rows[0].at.toISOString() : null;
  }
  return {
    incident_id: incident.id,
    drill: true,
    state: incident.state,
    created_at: incident.created_at.toISOString(),
    dispatched: dispatch,
    notified_at: notifiedAt,
  };
}
