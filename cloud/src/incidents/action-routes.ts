import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { RosterStore } from '../people/rosters.js';
import { scopeFilter } from '../people/scope.js';
import { type Incident, type IncidentEngine, rulesFrom, STATE_MACHINE } from './index.js';
import { roleFor, stepsOf, timeStatus, visible } from './routes.js';
import { readIncidents } from './store.js';
import type { IncidentTimeLimits } from './time-status.js';

/**
 * Who may be given the incident, as `GET /incidents/{id}/assignees` lists them: the rule is
 * automatic dispatch's, which builds on the incidents, so the cloud hands it in.
 */
export type AssigneeLister = (q: Queryable, incident: Incident) => Promise<readonly { id: string }[]>;

/** At most this many incidents per `GET /incident-lights` (a page of the incident list). */
export const MAX_LIGHT_IDS = 200;

/**
 * What the incident pages read besides the incidents API: `GET /incidents/{id}/actions` (the
 * transitions the caller may take now, so a page offers exactly those) and `GET /incident-lights`
 * (the open step's deadline and light of a page of incidents, without auditing a view of each).
 * The state machine and the caller's scope decide, exactly as `POST /incidents/{id}/transitions` does.
 */
export function incidentActionRoutes(
  db: Db,
  clock: Clock,
  people: People,
  engine: IncidentEngine,
  eligibleAssignees: AssigneeLister,
  timeLimits?: IncidentTimeLimits,
): Router {
  const router = Router();
  const session = authenticateUser(people);
  const rosters = new RosterStore(db, clock);

  router.get('/incidents/:id/actions', session, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await fromDatabase(() => engine.get(req.params.id));
    if (!incident || !visible(scopeFilter(principal), incident)) {
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id: req.params.id }));
    }
    const actions = [];
    const seen = new Set<string>();
    // The policies in force (the tenant's incident settings), as the engine will apply them.
    const policies = await fromDatabase(() => engine.policies());
    for (const rule of rulesFrom(STATE_MACHINE, incident.state, policies)) {
      if (seen.has(rule.action)) continue;
      seen.add(rule.action);
      const role = roleFor(principal, incident, rule.action, policies);
      if (!role) continue;
      // Separation of duties: not offered to whoever handled the work (the transition refuses it too).
      if (!(await fromDatabase(() => engine.separationAllows(incident, rule.action, principal.userId)))) continue;
      actions.push({
        action: rule.action,
        to: rule.to,
        role,
        effects: rule.effects,
        attachment_tags: rule.attachmentTags ?? [],
        comment_required: rule.commentRequired ?? false,
        requires_note: rule.requiresNote ?? false,
      });
    }
    res.json({ incident_id: incident.id, version: incident.version, state: incident.state, actions });
  });

  // Who a dispatch may go to now: the units and grid workers eligible for the category and place
  // (the transitions route refuses anyone else), the grid's on-duty worker marked.
  router.get('/incidents/:id/assignees', session, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await fromDatabase(() => engine.get(req.params.id));
    if (!incident || !visible(scopeFilter(principal), incident)) {
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id: req.params.id }));
    }
    const eligible = await fromDatabase(() => eligibleAssignees(db, incident));
    const grid = incident.place.grid;
    const duty = grid === null ? undefined : await fromDatabase(() => rosters.onDutyFor(grid, clock()));
    res.json({
      incident_id: incident.id,
      assignees: eligible.map((candidate) => ({ ...candidate, on_duty: candidate.id === duty?.userId })),
    });
  });

  router.get('/incident-lights', session, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const ids = idsOf(req.query.ids);
    const stored = await fromDatabase(() => readIncidents(db, ids));
    const filter = scopeFilter(principal);
    const found = new Map<string, Incident>();
    for (const incident of stored) if (visible(filter, incident)) found.set(incident.id, incident);
    const lights = [];
    const steps = await fromDatabase(() => stepsOf(db, [...found.values()]));
    for (const incident of found.values()) {
      // Open: the light from the step's breach history and the deadline now; closed: the outcome.
      const status = await timeStatus(timeLimits, incident, steps.get(incident.id) ?? [], clock());
      lights.push({ id: incident.id, deadline: status.due_by, ...status });
    }
    // Ids outside the caller's scope are named as unknown: their existence is not confirmed.
    res.json({ lights, unknown: ids.filter((id) => !found.has(id)) });
  });

  return router;
}

function idsOf(value: unknown): string[] {
  const text = typeof value === 'string' ? value : '';
  const ids = [...new Set(text.split(',').filter((id) => id !== ''))];
  if (ids.length === 0 || ids.length > MAX_LIGHT_IDS || ids.some((id) => id.length > 64)) {
    throw new ProblemError(
      'GL_VALIDATION_FAILED',
      message('incident.ids_invalid', { parameter: 'ids', most: MAX_LIGHT_IDS }),
      [{ parameter: 'ids', detail: message('incident.ids_how', { most: MAX_LIGHT_IDS }) }],
    );
  }
  return ids;
}
