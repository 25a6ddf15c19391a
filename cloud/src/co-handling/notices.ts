import type { Queryable } from '../db/db.js';
import type { Incident } from '../incidents/index.js';
import type { Notification } from '../notify/notification.js';

/** Sends a notice through the cloud's channels (live push…); co-handling is given one at start. */
export type CoNotify = (notification: Notification) => Promise<void>;

/**
 * Tells the users of the units just named on an incident: a co-handling unit that it has a task
 * (协办), a copied unit that it is informed (抄告). One notice per unit and incident and kind: a
 * retried request sends nothing again (the notifier keeps its keys).
 */
export async function noticesForUnits(
  q: Queryable,
  incident: Incident,
  named: { co: readonly string[]; copies: readonly string[] },
  at: Date,
): Promise<Notification[]> {
  const units = [...named.co, ...named.copies];
  if (units.length === 0) return [];
  const { rows } = await q.query<{ unit: string; user_id: string }>(
    `SELECT r.scope AS unit, r.user_id FROM role_assignments r JOIN users u ON u.id = r.user_id
      WHERE r.role = 'disposal_unit' AND u.active AND r.scope = ANY($1::text[]) ORDER BY r.user_id`,
    [units],
  );
  const usersOf = (unit: string) => rows.filter((row) => row.unit === unit).map((row) => row.user_id);
  const notice = (unit: string, kind: 'co-task' | 'co-copy'): Notification => ({
    key: `${incident.id}:${kind}:${unit}`,
    incidentId: incident.id,
    title:
      kind === 'co-task'
        ? { zh: `协办任务：${incident.title}`, en: `Co-handling task: ${incident.title}` }
        : { zh: `抄告：${incident.title}`, en: `For your information: ${incident.title}` },
    text:
      kind === 'co-task'
        ? {
            zh: '贵单位被安排协办此事件，请接收并按期反馈。',
            en: 'Your unit is to help handle this incident: accept it and report back in time.',
          }
        : { zh: '此事件抄告贵单位，仅供知悉。', en: 'This incident is copied to your unit for information.' },
    severity: incident.severity,
    urgent: incident.urgent,
    recipients: { userIds: usersOf(unit), territory: incident.place.grid ?? incident.place.community ?? '' },
    url: `/#/incidents/${incident.id}`,
    at,
  });
  return [...named.co.map((unit) => notice(unit, 'co-task')), ...named.copies.map((unit) => notice(unit, 'co-copy'))];
}
