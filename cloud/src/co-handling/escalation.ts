import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { operatorsOver, territoryOf } from '../dispatch/routing.js';
import { toIncident } from '../incidents/records.js';
import type { Notification } from '../notify/notification.js';
import { CoHandlingRefusal } from './errors.js';
import { type CoTask, type CoTaskRow, toCoTask } from './records.js';
import { lockIncident, writeCoStep } from './steps.js';
import { coTime } from './time.js';

export interface CoEscalationOptions {
  clock: Clock;
  /** Sends a notice to the centre (the notifier's channels); absent: nobody is told, the mark stays. */
  notify?: (notification: Notification) => Promise<void>;
  logger?: Logger;
  /** How often the sweep looks for overdue tasks; default 5 s. */
  intervalMs?: number;
}

const ACTOR = 'cloud:co-handling';

/**
 * A co-handling unit that lets its task's deadline pass (never answers, or never reports done) is
 * escalated to the centre once (docs/domain.md §3, co-handling): the task gets the tenant's breach
 * supervision mark (督办, `deadline_settings.breachSupervision`), the incident a `coOverdue` step, and
 * the operators over the incident are told. The sweep claims overdue tasks with FOR UPDATE SKIP
 * LOCKED and sets `escalated_at` in the step's transaction, so every replica may sweep.
 */
export class CoTaskEscalation {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly db: Db,
    private readonly options: CoEscalationOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((err: unknown) => {
          this.options.logger?.error({ err }, 'co-task sweep failed; it retries');
          return 0;
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Escalates every task overdue now; resolves with how many were escalated. */
  async sweep(): Promise<number> {
    let count = 0;
    for (;;) {
      const escalated = await this.escalateOne();
      if (escalated === undefined) return count;
      count += 1;
      if (escalated.notification) await this.tell(escalated.notification);
    }
  }

  private async escalateOne(): Promise<{ task: CoTask; notification?: Notification } | undefined> {
    const now = this.options.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<CoTaskRow>(
        `SELECT * FROM co_tasks WHERE state IN ('assigned', 'accepted') AND escalated_at IS NULL AND deadline < $1
          ORDER BY deadline, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      if (rows[0] === undefined) return undefined;
      const task = toCoTask(rows[0]);
      let row: Awaited<ReturnType<typeof lockIncident>>;
      try {
        row = await lockIncident(tx, task.incidentId);
      } catch (err) {
        if (err instanceof CoHandlingRefusal) return undefined;
        throw err;
      }
      const { settings } = await coTime(tx);
      await tx.query('UPDATE co_tasks SET escalated_at = $2, supervision = $3 WHERE id = $1', [
        task.id,
        now,
        settings.breachSupervision,
      ]);
      const incident = toIncident(row);
      await writeCoStep(
        tx,
        row,
        {
          action: 'coOverdue',
          requestId: `co-overdue:${task.id}`,
          actor: ACTOR,
          role: 'system',
          data: {
            task: task.id,
            unit: task.unitId,
            deadline: task.deadline.toISOString(),
            supervision: settings.breachSupervision,
          },
        },
        now,
      );
      // A drill exercises the path to the unit, not the centre's escalation.
      if (incident.drill) return { task };
      const userIds = await operatorsOver(tx, territoryOf(incident));
      const { rows: named } = await tx.query<{ name_zh: string; name_en: string }>(
        'SELECT name_zh, name_en FROM disposal_units WHERE id = $1',
        [task.unitId],
      );
      const unit = { zh: named[0]?.name_zh ?? task.unitId, en: named[0]?.name_en ?? task.unitId };
      const notification: Notification = {
        key: `${incident.id}:co-overdue:${task.id}`,
        incidentId: incident.id,
        title: { zh: `协办超时：${incident.title}`, en: `Co-handling overdue: ${incident.title}` },
        text: {
          zh: `协办单位${unit.zh}未在期限内办结交办任务，请督办或改派。`,
          en: `Co-handling unit ${unit.en} let its task's deadline pass: supervise or reassign it.`,
        },
        severity: incident.severity,
        urgent: incident.urgent,
        recipients: { userIds, territory: territoryOf(incident) ?? '' },
        url: `/#/incidents/${incident.id}`,
        at: now,
      };
      return { task, notification };
    });
  }

  private async tell(notification: Notification): Promise<void> {
    try {
      await this.options.notify?.(notification);
    } catch (err) {
      this.options.logger?.warn({ err, incident: notification.incidentId }, 'co-task overdue notice failed');
    }
  }
}
