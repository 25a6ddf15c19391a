import { type CallbackQueueItem, CallbackVerdictBody } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { Incident, IncidentEngine, IncidentRole } from '../incidents/index.js';
import { localIncident } from '../incidents/localize.js';
import { roleFor, timeStatus, visible } from '../incidents/routes.js';
import { readFirstStep, readIncidents, readSteps } from '../incidents/store.js';
import type { IncidentTimeLimits } from '../incidents/time-status.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';
import { REPORTER_CONTACT_SOURCES, type ReporterContactSource, reporterContact } from './reporter-contact.js';
import { callbackActionFor, recordVerdict, verdictsOf } from './verdicts.js';

/** At most this many incidents per queue answer: the oldest due first. */
export const QUEUE_LIMIT = 200;

/** The roles that may call back (under the tenant's callback policy), for the 403 that names them. */
const CALLBACK_ROLES = ['callback_agent', 'operator'] as const;

/** The display names of those of `ids` that are users. */
async function displayNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; display_name: string }>(
    'SELECT id, display_name FROM users WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.display_name]));
}

/** The callback's light: red once its deadline passed, yellow within its last day, else green. */
export function callbackLight(dueBy: Date | null, now: Date): 'green' | 'yellow' | 'red' | null {
  if (dueBy === null) return null;
  const left = dueBy.getTime() - now.getTime();
  return left < 0 ? 'red' : left < 86_400_000 ? 'yellow' : 'green';
}

export interface CallbackRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  incidents: IncidentEngine;
  deadlines?: IncidentTimeLimits;
  reporterContacts?: readonly ReporterContactSource[];
}

/**
 * The callback agent's work (回访, docs/domain.md §3): the queue of closed incidents they may call
 * back, the reporter's phone revealed on demand (audited), and the verdict. Everything is
 * scope-checked on the server: an incident the caller may not call back is "not found".
 */
export function callbackRoutes(ctx: CallbackRoutesContext): Router {
  const { db, clock, people, incidents: engine, deadlines } = ctx;
  const sources = ctx.reporterContacts ?? REPORTER_CONTACT_SOURCES;
  const router = Router();
  router.use('/callbacks', authenticateUser(people));

  /** The role the caller calls this incident back in, or undefined when they may not. */
  const callbackRole = async (principal: Principal, incident: Incident): Promise<IncidentRole | undefined> => {
    if (incident.state !== 'CLOSED' || !visible(scopeFilter(principal), incident)) return undefined;
    const policies = await fromDatabase(() => engine.policies());
    return roleFor(principal, incident, 'callbackSatisfied', policies);
  };

  /** The incident, when the caller may call it back now; else 404 (its existence is not confirmed). */
  const due = async (principal: Principal, id: string) => {
    const incident = await fromDatabase(() => engine.get(id));
    const role = incident && (await callbackRole(principal, incident));
    if (!incident || !role) throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('callback.not_due', { id }));
    return { incident, role };
  };

  router.get('/callbacks/queue', async (req: Request, res: Response) => {
    const principal = principalOf(res);
    if (!principal.assignments.some((a) => (CALLBACK_ROLES as readonly string[]).includes(a.role)))
      throw new ProblemError('GL_FORBIDDEN', message('callback.needs_role', { roles: [...CALLBACK_ROLES] }));
    const condition = scopeCondition(
      scopeFilter(principal),
      { territory: TERRITORY_OF_ROW, assignee: 'assignee', gateway: 'gateway_id', closed: 'closed_at IS NOT NULL' },
      2,
    );
    const ids = await fromDatabase(() =>
      db.query<{ id: string }>(
        `SELECT id FROM incidents WHERE state = 'CLOSED' AND NOT drill AND ${condition.sql}
          ORDER BY closed_at, id LIMIT $1`,
        [QUEUE_LIMIT, ...condition.params],
      ),
    );
    const found = await fromDatabase(() =>
      readIncidents(
        db,
        ids.rows.map((row) => row.id),
      ),
    );
    const order = new Map(ids.rows.map((row, i) => [row.id, i]));
    found.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    const items: CallbackQueueItem[] = [];
    for (const incident of found) {
      if (!(await callbackRole(principal, incident))) continue;
      const steps = await fromDatabase(() => readSteps(db, incident.id));
      const status = await timeStatus(deadlines, incident, steps, clock());
      // A closed loop has no open step's light: the callback's limit is the deadline the close step wrote.
      const dueBy = steps.at(-1)?.deadline ?? status.due_by;
      const report = steps[0];
      const contact = report && (await fromDatabase(() => reporterContact(db, incident, report, sources)));
      const local = localIncident(incident, languageOfRequest(req));
      items.push({
        id: incident.id,
        version: incident.version,
        title: local.title,
        category: incident.categoryCode,
        source: incident.source,
        community: incident.place.community ?? null,
        grid: incident.place.grid ?? null,
        address: incident.place.address ?? null,
        closed_at: (incident.closedAt as Date).toISOString(),
        due_by: dueBy?.toISOString() ?? null,
        light: status.light ?? callbackLight(dueBy, clock()),
        reporter_phone_masked: contact?.masked ?? null,
        may_reveal: contact !== undefined,
      });
    }
    res.json({ items });
  });

  router.post('/callbacks/:id/reveal-contact', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const { incident } = await due(principal, req.params.id);
    const report = await fromDatabase(() => readFirstStep(db, incident.id));
    const contact = await fromDatabase(() => reporterContact(db, incident, report, sources));
    if (contact === undefined)
      throw new ProblemError('GL_NOT_FOUND', message('callback.no_contact', { id: incident.id }));
    const phone = await fromDatabase(() => contact.reveal());
    // The number itself never goes into the audit log: who saw whose, and when.
    await fromDatabase(() =>
      writeAudit(db, {
        actor: { kind: 'user', userId: principal.userId },
        action: 'callback.reveal_contact',
        target: `incident:${incident.id}`,
        at: clock(),
      }),
    );
    res.json({ incident_id: incident.id, phone });
  });

  // The verdicts given on an incident, from every channel, for its page: to anyone who may see it.
  router.get('/callbacks/:id/verdicts', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await fromDatabase(() => engine.get(req.params.id));
    if (!incident || !visible(scopeFilter(principal), incident))
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('callback.not_visible', { id: req.params.id }));
    const verdicts = await fromDatabase(() => verdictsOf(db, incident.id));
    const names = await fromDatabase(() =>
      displayNames(
        db,
        verdicts.map((v) => v.actor),
      ),
    );
    res.json({
      items: verdicts.map((v) => ({
        action: v.action,
        channel: v.channel,
        satisfaction: v.satisfaction,
        solved: v.solved,
        note: v.note,
        at: v.at.toISOString(),
        // A user's verdict names them; the cloud's (a resident's own rating) names no one.
        by: names.get(v.actor) ?? null,
      })),
    });
  });

  router.post('/callbacks/:id/verdict', jsonBody('16kb'), async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(CallbackVerdictBody, req.body);
    const { incident, role } = await due(principal, req.params.id);
    const channel = body.channel ?? 'agent';
    const result = await fromDatabase(() =>
      recordVerdict(
        { engine },
        incident.id,
        { satisfaction: body.satisfaction, solved: body.solved, ...(body.note ? { note: body.note } : {}) },
        channel,
        { id: principal.userId, role },
        {
          requestId: body.request_id,
          ...(body.expected_version === undefined ? {} : { expectedVersion: body.expected_version }),
        },
      ),
    );
    await fromDatabase(() =>
      writeAudit(db, {
        actor: { kind: 'user', userId: principal.userId },
        action: `incident.${callbackActionFor(body)}`,
        target: `incident:${incident.id}`,
        details: { request_id: body.request_id, role, channel },
        at: clock(),
      }),
    );
    res.json({
      incident_id: incident.id,
      action: result.step.action,
      state: result.incident.state,
      version: result.incident.version,
      repeated: result.repeated,
    });
  });

  return router;
}
