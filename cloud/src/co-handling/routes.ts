import { CoHandlingAddBody, CoHandlingOverrideBody, CoTaskActionBody, CoTaskReassignBody } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody, parseQuery } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { Incident, IncidentEngine } from '../incidents/index.js';
import { localStep } from '../incidents/localize.js';
import { visible } from '../incidents/routes.js';
import { CO_TASK_KPI_DEFINITIONS } from '../kpi/definitions.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { operatesOn, unitsOf } from './access.js';
import { coTaskKpis } from './kpis.js';
import type { CoTask } from './records.js';
import type { CoHandlingStore } from './store.js';

export interface CoHandlingRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  incidents: IncidentEngine;
  coHandling: CoHandlingStore;
}

const KpiQuery = z.strictObject({
  from: z.iso.datetime({
    offset: true,
    error: 'expected an ISO 8601 time with offset, e.g. 2026-11-01T00:00:00+08:00',
  }),
  to: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with offset, e.g. 2026-12-01T00:00:00+08:00' }),
});

/** A task as the pages read it. */
const taskJson = (task: CoTask, time: { light: string | null; outcome: string | null } | undefined) => ({
  id: task.id,
  incident_id: task.incidentId,
  unit: task.unitId,
  task: task.task,
  state: task.state,
  assigned_at: task.assignedAt,
  assigned_by: task.assignedBy,
  deadline: task.deadline,
  accepted_at: task.acceptedAt,
  done_at: task.doneAt,
  refused_at: task.refusedAt,
  refusal_reason: task.refusalReason,
  escalated_at: task.escalatedAt,
  supervision: task.supervision,
  replaces: task.replaces,
  light: time?.light ?? null,
  outcome: time?.outcome ?? null,
});

/**
 * Co-handling over HTTP (docs/domain.md §3): operators of the incident's territory name co-handling
 * and copied units, reassign and override the gate; a co-handling unit's users answer its tasks; the
 * lead, the co-handling and the copied units read the panel. Anyone else: "not found".
 */
export function coHandlingRoutes(ctx: CoHandlingRoutesContext): Router {
  const { db, clock, people, incidents, coHandling: store } = ctx;
  const router = Router();
  router.use(['/incidents/:id/co-handling', '/co-tasks', '/co-handling'], authenticateUser(people));
  const audit = (principal: Principal, action: string, target: string, details: Record<string, unknown>) =>
    writeAudit(db, { actor: { kind: 'user', userId: principal.userId }, action, target, details, at: clock() });
  const notFound = (id: string) => new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id }));

  /** The incident if the caller may read its co-handling: its scope, or a unit involved in it. */
  const readable = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await fromDatabase(() => incidents.get(id));
    if (incident === undefined) throw notFound(id);
    if (visible(scopeFilter(principal), incident)) return incident;
    if (await fromDatabase(() => store.involves(incident.id, unitsOf(principal)))) return incident;
    throw notFound(id);
  };
  /** The incident if the caller operates on it (an operator of its territory). */
  const operated = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await readable(principal, id);
    if (!operatesOn(principal, incident)) throw new ProblemError('GL_FORBIDDEN', message('co.operators_only'));
    return incident;
  };

  const view = async (incident: Incident, req: Request, principal: Principal) => {
    const now = clock();
    const [tasks, copies, overrides, steps] = await fromDatabase(() =>
      Promise.all([
        store.tasksOf(incident.id),
        store.copiesOf(incident.id),
        store.overridesOf(incident.id),
        store.stepsOf(incident.id),
      ]),
    );
    const times = await fromDatabase(() => store.timeOf(tasks, now));
    const language = languageOfRequest(req);
    const unitIds = [
      ...(incident.assignee ? [incident.assignee] : []),
      ...tasks.map((t) => t.unitId),
      ...copies.map((c) => c.unitId),
    ];
    return {
      incident_id: incident.id,
      state: incident.state,
      version: incident.version,
      lead: incident.assignee,
      tasks: tasks.map((task) => ({
        ...taskJson(task, times.get(task.id)),
        steps: steps.filter((s) => String(s.data.task) === task.id).map((s) => localStep(s, language)),
      })),
      copies: copies.map((c) => ({ unit: c.unitId, added_at: c.addedAt, added_by: c.addedBy })),
      overrides: overrides.map((o) => ({ reason: o.reason, actor: o.actor, at: o.at })),
      open_tasks: tasks.filter((t) => ['assigned', 'accepted', 'refused'].includes(t.state)).length,
      units: await fromDatabase(() => store.unitNames(unitIds)),
      // The units serving the place, for the centre to choose from (its operators only).
      candidates: operatesOn(principal, incident)
        ? await fromDatabase(() => store.unitsServing(incident.place.grid ?? incident.place.community ?? ''))
        : [],
    };
  };

  router.get('/incidents/:id/co-handling', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await readable(principal, req.params.id);
    await audit(principal, 'co_handling.view', `incident:${incident.id}`, {});
    res.json(await view(incident, req, principal));
  });

  router.post('/incidents/:id/co-handling', jsonBody('64kb'), async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(CoHandlingAddBody, req.body);
    const incident = await operated(principal, req.params.id);
    const change = await fromDatabase(() =>
      store.add(incident.id, { userId: principal.userId, role: 'operator' }, body),
    );
    await audit(principal, 'co_handling.add', `incident:${incident.id}`, {
      request_id: body.request_id,
      co_units: body.co_units.map((c) => c.unit),
      copy_units: body.copy_units,
    });
    res
      .status(change.repeated ? 200 : 201)
      .json(await view((await incidents.get(incident.id)) as Incident, req, principal));
  });

  router.post(
    '/incidents/:id/co-handling/override',
    jsonBody('16kb'),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const body = parseBody(CoHandlingOverrideBody, req.body);
      const incident = await operated(principal, req.params.id);
      await fromDatabase(() =>
        store.override(incident.id, { userId: principal.userId, role: 'operator' }, body.request_id, body.reason),
      );
      await audit(principal, 'co_handling.override', `incident:${incident.id}`, { request_id: body.request_id });
      res.json(await view((await incidents.get(incident.id)) as Incident, req, principal));
    },
  );

  /** The caller's units' live co-tasks, with their incidents' titles and states. */
  router.get('/co-tasks', async (_req: Request, res: Response) => {
    const principal = principalOf(res);
    const units = unitsOf(principal);
    const live = await fromDatabase(() => store.liveTasksOf(units));
    const times = await fromDatabase(() =>
      store.timeOf(
        live.map((l) => l.task),
        clock(),
      ),
    );
    res.json({
      tasks: live.map(({ task, incident }) => ({
        ...taskJson(task, times.get(task.id)),
        incident: { id: incident.id, title: incident.title, state: incident.state, category: incident.categoryCode },
      })),
      units: await fromDatabase(() => store.unitNames(units)),
    });
  });

  /** A co-task the caller's unit holds, else "not found" (another unit's task is not confirmed). */
  const ownTask = async (principal: Principal, id: string): Promise<CoTask> => {
    const task = await fromDatabase(() => store.task(id));
    if (task === undefined || !unitsOf(principal).includes(task.unitId))
      throw new ProblemError('GL_NOT_FOUND', message('co.task_not_found', { task: id }));
    return task;
  };

  router.post('/co-tasks/:task/actions', jsonBody('64kb'), async (req: Request<{ task: string }>, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(CoTaskActionBody, req.body);
    const task = await ownTask(principal, req.params.task);
    const change = await fromDatabase(() =>
      store.act(task.id, { userId: principal.userId, role: 'disposal_unit' }, body),
    );
    await audit(principal, `co_task.${body.action}`, `incident:${task.incidentId}`, {
      task: task.id,
      request_id: body.request_id,
    });
    const after = (await fromDatabase(() => store.task(task.id))) as CoTask;
    const times = await fromDatabase(() => store.timeOf([after], clock()));
    res.json({
      task: taskJson(after, times.get(after.id)),
      step: localStep(change.step, languageOfRequest(req)),
      repeated: change.repeated,
    });
  });

  router.post('/co-tasks/:task/reassign', jsonBody('64kb'), async (req: Request<{ task: string }>, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(CoTaskReassignBody, req.body);
    const task = await fromDatabase(() => store.task(req.params.task));
    if (task === undefined)
      throw new ProblemError('GL_NOT_FOUND', message('co.task_not_found', { task: req.params.task }));
    // Not the incident's operator: the task is as unknown as the incident.
    const incident = await operated(principal, task.incidentId).catch((err: unknown) => {
      if (err instanceof ProblemError && err.code === 'GL_INCIDENT_NOT_FOUND')
        throw new ProblemError('GL_NOT_FOUND', message('co.task_not_found', { task: req.params.task }));
      throw err;
    });
    const change = await fromDatabase(() =>
      store.reassign(task.id, { userId: principal.userId, role: 'operator' }, body),
    );
    await audit(principal, 'co_task.reassign', `incident:${incident.id}`, {
      task: task.id,
      unit: body.unit,
      request_id: body.request_id,
    });
    res
      .status(change.repeated ? 200 : 201)
      .json(await view((await incidents.get(incident.id)) as Incident, req, principal));
  });

  /** The co-task KPIs per unit over a period, in the caller's territories (operators, district admins). */
  router.get('/co-handling/kpis', async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const query = parseQuery(KpiQuery, req.query);
    const territories = scopeFilter(principal).territoryPrefixes;
    if (territories.length === 0) throw new ProblemError('GL_FORBIDDEN', message('co.operators_only'));
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (to <= from)
      throw new ProblemError('GL_VALIDATION_FAILED', message('request.query_invalid'), [
        { parameter: 'to', detail: message('co.period_order') },
      ]);
    const units = await fromDatabase(() => coTaskKpis(db, { from, to }, territories, clock()));
    res.json({
      from,
      to,
      definitions: CO_TASK_KPI_DEFINITIONS,
      units,
      names: await fromDatabase(() => store.unitNames(units.map((u) => u.unit))),
    });
  });

  return router;
}
