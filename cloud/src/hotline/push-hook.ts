import { HotlineChannel, type HotlinePushKind } from '@gridlink/protocol';
import type { StepWritten } from '../incidents/engine.js';
import { queuePush } from './store.js';

/** The data of a 退单 step (a `reject` of the hotline's order): the reason goes to the platform. */
export const RETURN_MARK = 'hotline_return';

/**
 * The push-back each step of a hotline incident makes, queued in the step's own transaction: the
 * outbox row commits with the step or not at all, so no change is pushed twice or lost.
 */
export async function queueStepPush({ tx, incident, step }: StepWritten): Promise<void> {
  // An order files its incident with the order's channel as the source (hotline/routes.ts), so the
  // other incidents (a device's alarm, a worker's report) need no lookup on every step.
  if (!(HotlineChannel.options as readonly string[]).includes(incident.source)) return;
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM hotline_orders WHERE incident_id = $1', [
    incident.id,
  ]);
  const order = rows[0];
  // The filing step comes before the order's row: its 受理 is queued with the row.
  if (order === undefined) return;
  const returned = step.action === 'reject' && step.data[RETURN_MARK] === true;
  const kind: HotlinePushKind = returned
    ? 'returned'
    : step.action === 'close'
      ? 'closed'
      : step.action === 'finish'
        ? 'result'
        : 'progress';
  const data: Record<string, unknown> = {
    action: step.action,
    state: step.toState,
    ...(step.comment === null ? {} : { [returned ? 'reason' : 'text']: step.comment }),
    ...(step.deadline === null ? {} : { deadline: step.deadline.toISOString() }),
  };
  if (returned) await tx.query("UPDATE hotline_orders SET status = 'returned' WHERE id = $1", [order.id]);
  if (step.action === 'close') await tx.query("UPDATE hotline_orders SET status = 'closed' WHERE id = $1", [order.id]);
  await queuePush(tx, order.id, kind, data, step.at);
}
