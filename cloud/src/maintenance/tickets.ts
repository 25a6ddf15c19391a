import type { Db, Queryable } from '../db/db.js';
import { lockKey, retryDeadlocks } from '../db/locks.js';
import { type Message, message, render } from '../i18n/index.js';
import { defaultSeverity, type IncidentEngine } from '../incidents/engine.js';
import { type Detection, type Fault, faultOfKey, KEY_PREFIX } from './faults.js';

/** The category of each fault's ticket (device maintenance: the property company's work). */
export const FAULT_CATEGORIES: Record<Fault, string> = {
  offline: 'device_maintenance.offline',
  gateway_offline: 'device_maintenance.gateway_offline',
};

/** Who takes the policy's steps (rendered as 系统（设备运维巡检）). */
export const MAINTENANCE_ACTOR = 'cloud:maintenance';

export type TicketOutcome = { outcome: 'opened' | 'updated'; incidentId: string; repeats?: number };

const DAY_MS = 86_400_000;

/**
 * How many tickets the device (or the silent gateway) had within the window, this one included:
 * repeat offenders stand out on the ticket.
 */
async function repeatsOf(tx: Queryable, detection: Detection, since: Date): Promise<number> {
  const { rows } =
    detection.deviceId === null
      ? await tx.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM incidents WHERE dedup_key = $1 AND created_at > $2',
          [detection.key, since],
        )
      : await tx.query<{ n: number }>(
          // Tickets of any origin: the gateway's own maintenance alerts open them too.
          `SELECT count(*)::integer AS n FROM incidents
            WHERE community = $1 AND device_id = $2 AND created_at > $3
              AND category_code LIKE 'device_maintenance.%' AND device_id IS NOT NULL`,
          [detection.community, detection.deviceId, since],
        );
  return Number(rows[0]?.n ?? 0) + 1;
}

function titleOf(detection: Detection, repeats: number, windowDays: number): Message {
  return detection.deviceId === null
    ? message('maintenance.title_gateway', {
        gateway: detection.gatewayId,
        minutes: detection.minutes,
        repeats,
        window_days: windowDays,
      })
    : message('maintenance.title_device', {
        device: detection.deviceId,
        fault: detection.fault,
        repeats,
        window_days: windowDays,
      });
}

/**
 * Opens the ticket of a standing fault, or updates the one open under its key (the fault was seen
 * again: its last occurrence moves on). One transaction under the key's advisory lock, so two
 * replicas sweeping at once open one ticket; the partial unique index of migration 0028 refuses a
 * second all the same.
 */
export function openOrUpdateTicket(
  db: Db,
  engine: IncidentEngine,
  detection: Detection,
  context: { now: Date; repeatWindowDays: number },
): Promise<TicketOutcome> {
  const { now, repeatWindowDays } = context;
  return retryDeadlocks(() =>
    db.transaction(async (tx): Promise<TicketOutcome> => {
      await lockKey(tx, 'maintenance', detection.key);
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM incidents WHERE dedup_key = $1 AND closed_at IS NULL AND source = 'iot' FOR UPDATE`,
        [detection.key],
      );
      const open = rows[0];
      if (open !== undefined) {
        await tx.query('UPDATE incidents SET last_occurred_at = $2 WHERE id = $1 AND last_occurred_at < $2', [
          open.id,
          now,
        ]);
        return { outcome: 'updated', incidentId: open.id };
      }
      const repeats = await repeatsOf(tx, detection, new Date(now.getTime() - repeatWindowDays * DAY_MS));
      const title = titleOf(detection, repeats, repeatWindowDays);
      const category = FAULT_CATEGORIES[detection.fault];
      const { incident } = await engine.openAsSystem(
        tx,
        {
          intakeRequestId: `${detection.key}#${now.toISOString()}`,
          categoryCode: category,
          severity: defaultSeverity(category),
          urgent: false,
          level: 'community',
          source: 'iot',
          drill: false,
          community: detection.community,
          ...detection.place,
          deviceId: detection.deviceId,
          gatewayId: detection.gatewayId,
          address: null,
          alertId: null,
          dedupKey: detection.key,
          occurredAt: detection.since,
          title: render(title),
          description: null,
        },
        {
          requestId: `${detection.key}#open#${now.toISOString()}`,
          actor: MAINTENANCE_ACTOR,
          commentMessage: message('step.maintenance_opened', { fault: detection.fault }),
          data: { fault: detection.fault, repeats },
        },
      );
      await tx.query('UPDATE incidents SET title_message = $2::jsonb WHERE id = $1', [
        incident.id,
        JSON.stringify(title),
      ]);
      return { outcome: 'opened', incidentId: incident.id, repeats };
    }),
  );
}

/**
 * The maintenance tickets open now that a sweep looking at `asOf` may judge: not those another
 * replica opened or saw again after it (its detections are newer than this sweep's).
 */
export async function openTickets(
  q: Queryable,
  asOf: Date,
): Promise<Array<{ id: string; key: string; state: string }>> {
  const { rows } = await q.query<{ id: string; dedup_key: string; state: string }>(
    `SELECT id, dedup_key, state FROM incidents
      WHERE dedup_key LIKE '${KEY_PREFIX}%' AND closed_at IS NULL AND source = 'iot'
        AND created_at <= $1 AND last_occurred_at <= $1
      ORDER BY id`,
    [asOf],
  );
  return rows.map((row) => ({ id: row.id, key: row.dedup_key, state: row.state }));
}

/** States from which the cloud closes a recovered ticket: the property still has it (docs/domain.md §3). */
const RECOVERABLE = new Set(['REPORTED', 'SELF_HANDLED']);

/**
 * Closes a ticket whose fault no longer stands (the device or the gateway is heard again), with
 * the state machine's `recover` step; idempotent on its request id, so two replicas close it once.
 * A ticket the centre took into its loop is left to it.
 */
export async function closeRecovered(
  engine: IncidentEngine,
  ticket: { id: string; key: string; state: string },
): Promise<boolean> {
  if (!RECOVERABLE.has(ticket.state)) return false;
  const fault = faultOfKey(ticket.key);
  const result = await engine.transition({
    incidentId: ticket.id,
    action: 'recover',
    requestId: `maintenance-recover:${ticket.id}`,
    actor: MAINTENANCE_ACTOR,
    role: 'system',
    commentMessage: message('step.maintenance_recovered', { fault: fault ?? 'fault' }),
  });
  return !result.repeated;
}
