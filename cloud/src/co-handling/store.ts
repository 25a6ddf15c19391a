import {
  type CoHandlingAddBody,
  type CoTaskActionBody,
  type CoTaskReassignBody,
  OPEN_CO_TASK_STATES,
} from '@gridlink/protocol';
import type { z } from 'zod';
import { AttachmentStore, asStepAttachment } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import type { Incident, IncidentStep, TransitionRule } from '../incidents/index.js';
import { toIncident } from '../incidents/records.js';
import { readIncidents, readSteps } from '../incidents/store.js';
import { CoHandlingRefusal } from './errors.js';
import { type CoNotify, noticesForUnits } from './notices.js';
import { CO_STEP_ACTIONS, type CoTask, type CoTaskRow, toCoTask } from './records.js';
import { earlierStep, lockIncident, writeCoStep } from './steps.js';
import { coTime, taskLight, taskLimit } from './time.js';

type AddBody = z.output<typeof CoHandlingAddBody>;
type ActionBody = z.output<typeof CoTaskActionBody>;
type ReassignBody = z.output<typeof CoTaskReassignBody>;

/** States of the loop in which co-handling units may be named or changed: the work is out. */
export const CO_HANDLING_STATES = ['DISPATCHED', 'IN_PROGRESS'] as const;

const OPEN = OPEN_CO_TASK_STATES as readonly string[];

/** Who makes a change: the user (their id) in the role they act in. */
export interface CoActor {
  userId: string;
  role: 'operator' | 'disposal_unit';
}

/** The result of a change: the step written (or the earlier one, for a repeated request id). */
export interface CoChange {
  incidentId: string;
  step: IncidentStep;
  repeated: boolean;
}

const refuse = (
  problem: ConstructorParameters<typeof CoHandlingRefusal>[0],
  code: string,
  params: Record<string, unknown>,
  pointer?: string,
) =>
  new CoHandlingRefusal(
    problem,
    message(code, params),
    pointer === undefined ? undefined : [{ pointer, detail: message(code, params) }],
  );

/**
 * Co-handling's records (docs/domain.md §3, co-handling): tasks of co-handling units, copied units
 * and the gate's overrides, each change also a step on the incident's history, in one transaction
 * with the incident locked.
 */
export class CoHandlingStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Tells the units named (their users); without it nobody is told. */
    private readonly notify?: CoNotify,
  ) {}

  /** The incident's tasks, oldest first. */
  async tasksOf(incidentId: string, q: Queryable = this.db): Promise<CoTask[]> {
    const { rows } = await q.query<CoTaskRow>('SELECT * FROM co_tasks WHERE incident_id = $1 ORDER BY id', [
      incidentId,
    ]);
    return rows.map(toCoTask);
  }

  async task(id: string, q: Queryable = this.db): Promise<CoTask | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const { rows } = await q.query<CoTaskRow>('SELECT * FROM co_tasks WHERE id = $1', [id]);
    return rows[0] && toCoTask(rows[0]);
  }

  async copiesOf(incidentId: string): Promise<Array<{ unitId: string; addedAt: Date; addedBy: string }>> {
    const { rows } = await this.db.query<{ unit_id: string; added_at: Date; added_by: string }>(
      'SELECT unit_id, added_at, added_by FROM co_copies WHERE incident_id = $1 ORDER BY added_at, unit_id',
      [incidentId],
    );
    return rows.map((row) => ({ unitId: row.unit_id, addedAt: new Date(row.added_at), addedBy: row.added_by }));
  }

  async overridesOf(incidentId: string): Promise<Array<{ reason: string; actor: string; at: Date }>> {
    const { rows } = await this.db.query<{ reason: string; actor: string; at: Date }>(
      'SELECT reason, actor, at FROM co_overrides WHERE incident_id = $1 ORDER BY id',
      [incidentId],
    );
    return rows.map((row) => ({ ...row, at: new Date(row.at) }));
  }

  /** Whether one of `unitIds` has (or had) a task on the incident or was copied in: it may read it. */
  async involves(incidentId: string, unitIds: readonly string[], openTaskOnly = false): Promise<boolean> {
    if (unitIds.length === 0) return false;
    const { rows } = await this.db.query(
      openTaskOnly
        ? `SELECT 1 FROM co_tasks WHERE incident_id = $1 AND unit_id = ANY($2::text[]) AND state IN ('assigned', 'accepted')`
        : `SELECT 1 FROM co_tasks WHERE incident_id = $1 AND unit_id = ANY($2::text[])
           UNION ALL SELECT 1 FROM co_copies WHERE incident_id = $1 AND unit_id = ANY($2::text[])`,
      [incidentId, [...unitIds]],
    );
    return rows.length > 0;
  }

  /** The live tasks of these units (assigned, accepted, refused), deadline first, with their incidents. */
  async liveTasksOf(unitIds: readonly string[]): Promise<Array<{ task: CoTask; incident: Incident }>> {
    if (unitIds.length === 0) return [];
    const { rows } = await this.db.query<CoTaskRow>(
      `SELECT * FROM co_tasks WHERE unit_id = ANY($1::text[]) AND state IN ('assigned', 'accepted', 'refused')
        ORDER BY deadline, id LIMIT 200`,
      [[...unitIds]],
    );
    const incidents = new Map(
      (await readIncidents(this.db, [...new Set(rows.map((row) => row.incident_id))])).map((i) => [i.id, i]),
    );
    return rows.flatMap((row) => {
      const incident = incidents.get(row.incident_id);
      return incident === undefined ? [] : [{ task: toCoTask(row), incident }];
    });
  }

  /** Names co-handling units and copied units; the operator's step `coAssign`. */
  async add(incidentId: string, actor: CoActor, body: AddBody): Promise<CoChange> {
    const change = await this.addOnce(incidentId, actor, body);
    if (!change.repeated) {
      const { tasks, copies } = change.step.data as { tasks: Array<{ unit: string }>; copies: string[] };
      await this.tell(incidentId, { co: tasks.map((t) => t.unit), copies }, change.step.at);
    }
    return change;
  }

  private async addOnce(incidentId: string, actor: CoActor, body: AddBody): Promise<CoChange> {
    return this.db.transaction(async (tx) => {
      const row = await lockIncident(tx, incidentId);
      const done = await earlierStep(tx, row.id, body.request_id);
      if (done !== undefined) return { incidentId, step: done, repeated: true };
      const incident = toIncident(row);
      this.checkOpenForCoHandling(incident);
      const now = this.clock();
      const time = await coTime(tx);
      const units = await this.knownUnits(tx, [...body.co_units.map((c) => c.unit), ...body.copy_units]);
      const live = new Set((await this.tasksOf(row.id, tx)).filter((t) => OPEN.includes(t.state)).map((t) => t.unitId));
      const tasks: Array<Record<string, unknown>> = [];
      for (const [i, wanted] of body.co_units.entries()) {
        const pointer = `/co_units/${i}/unit`;
        if (!units.has(wanted.unit))
          throw refuse('GL_VALIDATION_FAILED', 'co.unit_unknown', { unit: wanted.unit }, pointer);
        if (wanted.unit === incident.assignee)
          throw refuse('GL_VALIDATION_FAILED', 'co.unit_is_lead', { unit: wanted.unit }, pointer);
        if (live.has(wanted.unit))
          throw refuse('GL_VALIDATION_FAILED', 'co.unit_has_task', { unit: wanted.unit }, pointer);
        live.add(wanted.unit);
        const given = wanted.deadline === undefined ? undefined : new Date(wanted.deadline);
        if (given !== undefined && given <= now)
          throw refuse('GL_VALIDATION_FAILED', 'co.deadline_past', {}, `/co_units/${i}/deadline`);
        const created = await this.insertTask(tx, incident, wanted.unit, wanted.task, given, actor.userId, now, time);
        tasks.push({
          task: created.id,
          unit: created.unitId,
          deadline: created.deadline.toISOString(),
          text: created.task,
        });
      }
      const copies: string[] = [];
      for (const [i, unit] of body.copy_units.entries()) {
        if (!units.has(unit)) throw refuse('GL_VALIDATION_FAILED', 'co.unit_unknown', { unit }, `/copy_units/${i}`);
        const { rows } = await tx.query(
          `INSERT INTO co_copies (incident_id, unit_id, added_at, added_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING unit_id`,
          [row.id, unit, now, actor.userId],
        );
        if (rows.length > 0) copies.push(unit);
      }
      const step = await writeCoStep(
        tx,
        row,
        {
          action: 'coAssign',
          requestId: body.request_id,
          actor: actor.userId,
          role: 'operator',
          data: { tasks, copies, lead: incident.assignee },
        },
        now,
      );
      return { incidentId, step, repeated: false };
    });
  }

  /** A co-handling unit's answer on its task: accept, feedback, done, or refuse with a reason. */
  async act(taskId: string, actor: CoActor, body: ActionBody): Promise<CoChange> {
    const known = await this.task(taskId);
    if (known === undefined) throw refuse('GL_NOT_FOUND', 'co.task_not_found', { task: taskId });
    return this.db.transaction(async (tx) => {
      const row = await lockIncident(tx, known.incidentId);
      const done = await earlierStep(tx, row.id, body.request_id);
      if (done !== undefined) return { incidentId: row.id, step: done, repeated: true };
      const task = (await this.task(taskId, tx)) as CoTask;
      const allowed = task.state === 'assigned' || task.state === 'accepted';
      if (!allowed || row.closed_at !== null || (body.action === 'accept' && task.state !== 'assigned'))
        throw refuse('GL_INCIDENT_ACTION_NOT_ALLOWED', 'co.task_state', {
          task: task.id,
          state: task.state,
          action: body.action,
        });
      const now = this.clock();
      const data = { task: task.id, unit: task.unitId };
      let step: IncidentStep;
      switch (body.action) {
        case 'accept':
          await tx.query(`UPDATE co_tasks SET state = 'accepted', accepted_at = $2 WHERE id = $1`, [task.id, now]);
          step = await writeCoStep(
            tx,
            row,
            { action: 'coAccept', requestId: body.request_id, actor: actor.userId, role: 'disposal_unit', data },
            now,
          );
          break;
        case 'feedback': {
          if (body.comment === '' && body.attachments.length === 0)
            throw refuse('GL_VALIDATION_FAILED', 'co.feedback_empty', {}, '/comment');
          // Read in the transaction: PGlite has one connection.
          const stored = await new AttachmentStore(tx as Db, this.clock).ofIncident(row.id, body.attachments);
          const unknown = body.attachments.findIndex((id) => !stored.has(id));
          if (unknown >= 0)
            throw refuse('GL_VALIDATION_FAILED', 'co.attachment_unknown', { id: row.id }, `/attachments/${unknown}`);
          const files = body.attachments.map((id) =>
            asStepAttachment(stored.get(id) as NonNullable<ReturnType<typeof stored.get>>, 'co_feedback'),
          );
          // Feedback on a task not yet accepted accepts it: the unit is at work.
          if (task.state === 'assigned')
            await tx.query(`UPDATE co_tasks SET state = 'accepted', accepted_at = $2 WHERE id = $1`, [task.id, now]);
          step = await writeCoStep(
            tx,
            row,
            {
              action: 'coFeedback',
              requestId: body.request_id,
              actor: actor.userId,
              role: 'disposal_unit',
              ...(body.comment === '' ? {} : { comment: body.comment }),
              attachments: files,
              data,
            },
            now,
          );
          break;
        }
        case 'done':
          await tx.query(
            `UPDATE co_tasks SET state = 'done', done_at = $2, accepted_at = COALESCE(accepted_at, $2) WHERE id = $1`,
            [task.id, now],
          );
          step = await writeCoStep(
            tx,
            row,
            {
              action: 'coDone',
              requestId: body.request_id,
              actor: actor.userId,
              role: 'disposal_unit',
              ...(body.comment ? { comment: body.comment } : {}),
              data: { ...data, on_time: now <= task.deadline, assigned_at: task.assignedAt.toISOString() },
            },
            now,
          );
          break;
        case 'refuse':
          await tx.query(`UPDATE co_tasks SET state = 'refused', refused_at = $2, refusal_reason = $3 WHERE id = $1`, [
            task.id,
            now,
            body.reason,
          ]);
          step = await writeCoStep(
            tx,
            row,
            {
              action: 'coRefuse',
              requestId: body.request_id,
              actor: actor.userId,
              role: 'disposal_unit',
              comment: body.reason,
              data,
            },
            now,
          );
          break;
      }
      return { incidentId: row.id, step, repeated: false };
    });
  }

  /** The centre gives a task (refused, or of a unit that does not answer) to another unit: `coReassign`. */
  async reassign(taskId: string, actor: CoActor, body: ReassignBody): Promise<CoChange & { task: CoTask }> {
    const change = await this.reassignOnce(taskId, actor, body);
    if (!change.repeated) await this.tell(change.incidentId, { co: [change.task.unitId], copies: [] }, change.step.at);
    return change;
  }

  /** Notices to the units named, after their change committed; a failed notice never undoes it. */
  private async tell(incidentId: string, named: { co: string[]; copies: string[] }, at: Date): Promise<void> {
    if (this.notify === undefined) return;
    try {
      const incident = (await readIncidents(this.db, [incidentId]))[0];
      if (incident === undefined || incident.drill) return;
      for (const notice of await noticesForUnits(this.db, incident, named, at)) await this.notify(notice);
    } catch {
      // The notifier logs its own failures; the units still find the task in their list.
    }
  }

  private async reassignOnce(taskId: string, actor: CoActor, body: ReassignBody): Promise<CoChange & { task: CoTask }> {
    const known = await this.task(taskId);
    if (known === undefined) throw refuse('GL_NOT_FOUND', 'co.task_not_found', { task: taskId });
    return this.db.transaction(async (tx) => {
      const row = await lockIncident(tx, known.incidentId);
      const done = await earlierStep(tx, row.id, body.request_id);
      if (done !== undefined) {
        const replacement = (await this.tasksOf(row.id, tx)).find((t) => t.replaces === known.id) ?? known;
        return { incidentId: row.id, step: done, repeated: true, task: replacement };
      }
      const incident = toIncident(row);
      this.checkOpenForCoHandling(incident);
      const old = (await this.task(taskId, tx)) as CoTask;
      if (!OPEN.includes(old.state))
        throw refuse('GL_INCIDENT_ACTION_NOT_ALLOWED', 'co.task_state', {
          task: old.id,
          state: old.state,
          action: 'reassign',
        });
      const units = await this.knownUnits(tx, [body.unit]);
      if (!units.has(body.unit)) throw refuse('GL_VALIDATION_FAILED', 'co.unit_unknown', { unit: body.unit }, '/unit');
      if (body.unit === incident.assignee)
        throw refuse('GL_VALIDATION_FAILED', 'co.unit_is_lead', { unit: body.unit }, '/unit');
      const live = (await this.tasksOf(row.id, tx)).filter((t) => OPEN.includes(t.state) && t.id !== old.id);
      if (live.some((t) => t.unitId === body.unit) || body.unit === old.unitId)
        throw refuse('GL_VALIDATION_FAILED', 'co.unit_has_task', { unit: body.unit }, '/unit');
      const now = this.clock();
      const given = body.deadline === undefined ? undefined : new Date(body.deadline);
      if (given !== undefined && given <= now)
        throw refuse('GL_VALIDATION_FAILED', 'co.deadline_past', {}, '/deadline');
      await tx.query(`UPDATE co_tasks SET state = 'reassigned' WHERE id = $1`, [old.id]);
      const created = await this.insertTask(
        tx,
        incident,
        body.unit,
        body.task ?? old.task,
        given,
        actor.userId,
        now,
        await coTime(tx),
        old.id,
      );
      const step = await writeCoStep(
        tx,
        row,
        {
          action: 'coReassign',
          requestId: body.request_id,
          actor: actor.userId,
          role: 'operator',
          ...(body.comment ? { comment: body.comment } : {}),
          data: {
            task: old.id,
            from_unit: old.unitId,
            new_task: {
              task: created.id,
              unit: created.unitId,
              deadline: created.deadline.toISOString(),
              text: created.task,
            },
          },
        },
        now,
      );
      return { incidentId: row.id, step, repeated: false, task: created };
    });
  }

  /** The operator lets the lead report handled with tasks still open, giving the reason: `coOverride`. */
  async override(incidentId: string, actor: CoActor, requestId: string, reason: string): Promise<CoChange> {
    return this.db.transaction(async (tx) => {
      const row = await lockIncident(tx, incidentId);
      const done = await earlierStep(tx, row.id, requestId);
      if (done !== undefined) return { incidentId, step: done, repeated: true };
      if (row.closed_at !== null || ['HANDLED', 'CHECKING', 'PENDING_CLOSE'].includes(row.state))
        throw refuse('GL_INCIDENT_ACTION_NOT_ALLOWED', 'co.override_state', { id: row.id, state: row.state });
      const open = (await this.tasksOf(row.id, tx)).filter((t) => OPEN.includes(t.state));
      if (open.length === 0) throw refuse('GL_INCIDENT_ACTION_NOT_ALLOWED', 'co.override_nothing_open', { id: row.id });
      const now = this.clock();
      await tx.query('INSERT INTO co_overrides (incident_id, reason, actor, at) VALUES ($1, $2, $3, $4)', [
        row.id,
        reason,
        actor.userId,
        now,
      ]);
      const step = await writeCoStep(
        tx,
        row,
        {
          action: 'coOverride',
          requestId,
          actor: actor.userId,
          role: 'operator',
          comment: reason,
          data: { open_tasks: open.map((t) => ({ task: t.id, unit: t.unitId, state: t.state })) },
        },
        now,
      );
      return { incidentId, step, repeated: false };
    });
  }

  /**
   * The gate (docs/domain.md §3, co-handling): the step into HANDLED is refused while a co-handling
   * task is open (assigned, accepted, or refused and not yet reassigned), unless an operator's
   * override was made after the last of those tasks was given. Read in the step's transaction.
   */
  async gate(tx: Queryable, incident: Incident, rule: TransitionRule): Promise<void> {
    if (rule.to !== 'HANDLED' || incident.state === 'HANDLED') return;
    const { rows } = await tx.query<{ unit_id: string; assigned_at: Date; overridden: Date | null }>(
      `SELECT t.unit_id, t.assigned_at,
              (SELECT max(o.at) FROM co_overrides o WHERE o.incident_id = t.incident_id) AS overridden
         FROM co_tasks t WHERE t.incident_id = $1 AND t.state IN ('assigned', 'accepted', 'refused') ORDER BY t.id`,
      [incident.id],
    );
    const blocking = rows.filter((r) => r.overridden === null || new Date(r.overridden) < new Date(r.assigned_at));
    if (blocking.length === 0) return;
    throw new CoHandlingRefusal(
      'GL_INCIDENT_ACTION_NOT_ALLOWED',
      message('co.gate_open', { id: incident.id, units: blocking.map((r) => r.unit_id) }),
    );
  }

  /** The co-handling steps of the incident (feedback, photos, refusals…), in order. */
  async stepsOf(incidentId: string): Promise<IncidentStep[]> {
    return (await readSteps(this.db, incidentId)).filter((step) =>
      (CO_STEP_ACTIONS as readonly string[]).includes(step.action),
    );
  }

  /** The units serving the place (their territory contains it): whom the centre may name, nearest first. */
  async unitsServing(territory: string): Promise<Array<{ id: string; name: { zh: string; en: string } }>> {
    const { rows } = await this.db.query<{ id: string; name_zh: string; name_en: string }>(
      `SELECT id, name_zh, name_en FROM disposal_units WHERE starts_with($1, territory_code)
        ORDER BY length(territory_code) DESC, id LIMIT 500`,
      [territory],
    );
    return rows.map((row) => ({ id: row.id, name: { zh: row.name_zh, en: row.name_en } }));
  }

  /** The names of units, by id (zh and en), for the pages. */
  async unitNames(ids: readonly string[]): Promise<Record<string, { zh: string; en: string }>> {
    if (ids.length === 0) return {};
    const { rows } = await this.db.query<{ id: string; name_zh: string; name_en: string }>(
      'SELECT id, name_zh, name_en FROM disposal_units WHERE id = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    return Object.fromEntries(rows.map((row) => [row.id, { zh: row.name_zh, en: row.name_en }]));
  }

  /** A task's light now (open tasks), or its outcome (done: on time or late). */
  async timeOf(tasks: readonly CoTask[], now: Date) {
    const time = await coTime(this.db);
    return new Map(
      tasks.map((task) => [
        task.id,
        OPEN.includes(task.state) && task.state !== 'refused'
          ? { light: taskLight(task, now, time), outcome: null }
          : task.state === 'done'
            ? {
                light: null,
                outcome: (task.doneAt as Date) <= task.deadline ? ('on_time' as const) : ('late' as const),
              }
            : { light: null, outcome: null },
      ]),
    );
  }

  private checkOpenForCoHandling(incident: Incident): void {
    if (!(CO_HANDLING_STATES as readonly string[]).includes(incident.state) || incident.assignee === null)
      throw refuse('GL_INCIDENT_ACTION_NOT_ALLOWED', 'co.incident_state', {
        id: incident.id,
        state: incident.state,
        states: [...CO_HANDLING_STATES],
      });
  }

  private async knownUnits(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await q.query<{ id: string }>('SELECT id FROM disposal_units WHERE id = ANY($1::text[])', [
      [...new Set(ids)],
    ]);
    return new Set(rows.map((row) => row.id));
  }

  private async insertTask(
    tx: Queryable,
    incident: Incident,
    unit: string,
    text: string,
    given: Date | undefined,
    by: string,
    now: Date,
    time: Awaited<ReturnType<typeof coTime>>,
    replaces: string | null = null,
  ): Promise<CoTask> {
    const { limit, deadline } = await taskLimit(tx, incident, now, given, time);
    const { rows } = await tx.query<CoTaskRow>(
      `INSERT INTO co_tasks (incident_id, unit_id, task, state, assigned_at, assigned_by, deadline, limit_value, limit_unit, replaces)
       VALUES ($1, $2, $3, 'assigned', $4, $5, $6, $7, $8, $9) RETURNING *`,
      [incident.id, unit, text, now, by, deadline, limit.value, limit.unit, replaces],
    );
    return toCoTask(rows[0] as CoTaskRow);
  }
}
