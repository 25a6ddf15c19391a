import { CategoryCode, IncidentReportBody, IncidentState, IncidentTransitionBody, Severity } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type AttachmentStore, asStepAttachment } from '../attachments/store.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { bodyFieldErrors, parameterFieldErrors } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { type Language, message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Role } from '../people/roles.js';
import { isVisible, type Principal, type ScopeFilter, scopeFilter } from '../people/scope.js';
import { TerritoryStore, toWgs84 } from '../territory/index.js';
import type { IncidentGrants } from './grants.js';
import { namesOf } from './incident-names.js';
import {
  type Incident,
  type IncidentEngine,
  type IncidentPolicies,
  type IncidentRole,
  needsAttention,
  roleMayTake,
  rulesFrom,
  STATE_MACHINE,
  type TransitionResult,
} from './index.js';
import { localIncident, localStep } from './localize.js';
import { checkFixTime, type PlacePosition, placePosition, placePositions } from './position.js';
import type { IncidentStep } from './records.js';
import { listIncidents, readRoleOfRequest, readStepsOf } from './store.js';
import type { IncidentTimeLimits, IncidentTimeStatus } from './time-status.js';

/** Engine work for a request: a refusal (IncidentError) goes to the error handler as it is; anything else is a 503. */
const engineCall = fromDatabase;

const NO_STATUS: IncidentTimeStatus = { light: null, overdue_since: null, due_by: null, outcome: null };

/** The time-limit state of an incident as the list and the detail show it (docs/domain.md §4). */
export async function timeStatus(
  timeLimits: IncidentTimeLimits | undefined,
  incident: Incident,
  steps: readonly IncidentStep[],
  now: Date,
): Promise<IncidentTimeStatus> {
  if (timeLimits === undefined) return NO_STATUS;
  return fromDatabase(() => timeLimits.statusOf(incident, steps, now));
}

/** The step records of several incidents, in one query. */
/** `place_position` of the list and the page: WGS-84 with where it came from, or null when unknown. */
const placeJson = (place: PlacePosition | undefined) => (place ? { ...place.position, source: place.source } : null);

export function stepsOf(db: Db, incidents: readonly Incident[]): Promise<Map<string, IncidentStep[]>> {
  return readStepsOf(
    db,
    incidents.map((incident) => incident.id),
  );
}

/** The people roles (docs/domain.md §2) as the state machine names them. */
const INCIDENT_ROLE: Partial<Record<Role, IncidentRole>> = {
  district_admin: 'admin',
  operator: 'operator',
  grid_worker: 'grid_worker',
  disposal_unit: 'disposal_unit',
  property_manager: 'property_manager',
  installer: 'installer',
  callback_agent: 'callback_agent',
};

/** A transition's or report's result as `language` reads it. */
const localResult = (result: TransitionResult, language: Language) => ({
  ...result,
  incident: localIncident(withAttention(result.incident), language),
  step: localStep(result.step, language),
});

/** The incident as the API shows it: with `needsAttention` (docs/domain.md §4). */
export const withAttention = (incident: Incident) => ({ ...incident, needsAttention: needsAttention(incident) });

const territoryOf = (incident: Incident) => incident.place.grid ?? incident.place.community ?? '';

export function visible(filter: ScopeFilter, incident: Incident): boolean {
  return isVisible(filter, {
    territoryCode: territoryOf(incident),
    disposalUnitId: incident.assignee,
    gatewayId: incident.place.gatewayId,
    closed: incident.closedAt !== null,
  });
}

/**
 * Which of the principal's roles takes this action: the first the state machine allows from the
 * incident's state whose scope holds the incident (a grid worker of its grid, the unit it was
 * dispatched to, an operator of its territory…), under the tenant's policies in force.
 */
export function roleFor(
  principal: Principal,
  incident: Incident,
  action: string,
  policies: IncidentPolicies,
): IncidentRole | undefined {
  const rules = rulesFrom(STATE_MACHINE, incident.state, policies).filter((rule) => rule.action === action);
  // The assignee's own steps: a grid worker only when the work was dispatched to them.
  const assigneeOnly = rules.some((rule) => rule.assigneeOnly);
  for (const assignment of principal.assignments) {
    const role = INCIDENT_ROLE[assignment.role];
    // Some roles may take a rule only on routine incidents (a property never self-handles a fire).
    if (!role || !rules.some((rule) => roleMayTake(rule, role, incident))) continue;
    if (assigneeOnly && role === 'grid_worker' && incident.assignee !== principal.userId) continue;
    const own = scopeFilter({ ...principal, assignments: [assignment] });
    if (visible(own, incident)) return role;
  }
  return undefined;
}

export const ListQuery = z.strictObject({
  state: IncidentState.optional(),
  /** The category and its sub-categories: `fire` lists `fire.smoke` too. */
  category: CategoryCode.optional(),
  grid: z
    .string()
    .regex(/^\d{15}$/, { error: 'expected a 15-digit grid code' })
    .optional(),
  community: z
    .string()
    .regex(/^\d{12}$/, { error: 'expected a 12-digit community code' })
    .optional(),
  severity: Severity.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The bodies of `POST /incidents` and `POST /incidents/{id}/transitions`: the wire schemas clients use too. */
export { IncidentReportBody as ReportBody, IncidentTransitionBody as TransitionBody };

function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ProblemError('GL_VALIDATION_FAILED', message('request.body_invalid'), bodyFieldErrors(parsed.error.issues));
}

/**
 * Incidents for people: every route needs a session, and every row is filtered by the caller's
 * scope — a grid worker reads and acts only on their grids' incidents, a property manager on their
 * community's, a disposal unit on work dispatched to it. An incident outside the scope is "not
 * found" (its existence is not confirmed). Reads and changes are written to the audit log.
 */
export function incidentRoutes(
  db: Db,
  clock: Clock,
  people: People,
  engine: IncidentEngine,
  attachments: AttachmentStore,
  timeLimits?: IncidentTimeLimits,
  grants?: IncidentGrants,
): Router {
  const router = Router();
  const territory = new TerritoryStore(db);
  router.use('/incidents', authenticateUser(people));
  const audit = (principal: Principal, action: string, id: string, details: Record<string, unknown> = {}) =>
    writeAudit(db, {
      actor: { kind: 'user', userId: principal.userId },
      action,
      target: `incident:${id}`,
      details,
      at: clock(),
    });

  const load = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await engineCall(() => engine.get(id));
    if (!incident || !visible(scopeFilter(principal), incident)) {
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id }));
    }
    return incident;
  };

  /** {@link load} for reading only: also what another module grants (a co-handling unit's read). */
  const loadToRead = async (principal: Principal, id: string): Promise<Incident> => {
    const incident = await engineCall(() => engine.get(id));
    if (incident && (visible(scopeFilter(principal), incident) || (await grants?.mayRead(principal, incident))))
      return incident;
    throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id }));
  };

  const mergeTargetOf = async (principal: Principal, into: unknown): Promise<Incident> => {
    if (typeof into !== 'string' || into === '') {
      throw new ProblemError('GL_VALIDATION_FAILED', message('engine.need.into'), [
        { pointer: '/data/into', detail: message('incident.into_field') },
      ]);
    }
    const target = await engineCall(() => engine.get(into));
    if (!target || !visible(scopeFilter(principal), target)) {
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('incident.not_visible', { id: into }), [
        { pointer: '/data/into', detail: message('incident.into_field') },
      ]);
    }
    return target;
  };

  router.get('/incidents', async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const parsed = ListQuery.safeParse(req.query, { reportInput: true });
    if (!parsed.success) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('request.query_invalid'),
        parameterFieldErrors(parsed.error.issues),
      );
    }
    const incidents = await fromDatabase(() => listIncidents(db, parsed.data, scopeFilter(principal)));
    const steps = await fromDatabase(() => stepsOf(db, incidents));
    // Where each is, as on its page: so a map can pin the list (a patrol's grid) without a read per incident.
    const places = await fromDatabase(() => placePositions(db, incidents));
    const listed = [];
    // Urgent incidents nobody has been dispatched to come first, flagged for the page's alarm.
    const language = languageOfRequest(req);
    for (const incident of incidents)
      listed.push({
        ...localIncident(withAttention(incident), language),
        ...(await timeStatus(timeLimits, incident, steps.get(incident.id) ?? [], clock())),
        place_position: placeJson(places.get(incident.id)),
      });
    // Names, not codes: the places, assignees and actors of the page, in one query per kind.
    const names = await fromDatabase(() => namesOf(db, incidents, [...steps.values()].flat(), language));
    res.json({ incidents: listed, names });
  });

  router.get('/incidents/:id', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const incident = await loadToRead(principal, req.params.id);
    const [steps, evidence] = await Promise.all([engine.steps(incident.id), engine.evidence(incident.id)]);
    // The open step's light from its breach history and its deadline now, or a closed loop's outcome
    // (a step's own light is the one at its time).
    const status = await timeStatus(timeLimits, incident, steps, clock());
    const arrival = timeLimits?.arrivalOf
      ? await fromDatabase(() => timeLimits.arrivalOf?.(incident, steps, clock()) ?? Promise.resolve(null))
      : null;
    // Where to go: the incident's own point, else its building's (null when neither is known).
    const place = await fromDatabase(() => placePosition(db, incident));
    // Who looked at what is part of the record, as much as who changed it.
    await audit(principal, 'incident.view', incident.id);
    const language = languageOfRequest(req);
    const names = await fromDatabase(() => namesOf(db, [incident], steps, language));
    res.json({
      incident: localIncident(withAttention(incident), language),
      steps: steps.map((step) => localStep(step, language)),
      names,
      evidence,
      deadline: status.due_by,
      ...status,
      arrival,
      place_position: placeJson(place),
    });
  });

  router.post('/incidents', jsonBody('1mb'), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(IncidentReportBody, req.body);
    let position: { lon: number; lat: number; accuracyM?: number } | undefined;
    if (body.location) {
      // The grid in force where and when it is reported; with no grid there, the community (属地兜底).
      const { lon, lat, crs, accuracy_m, at } = body.location;
      if (at !== undefined) checkFixTime(new Date(at), clock(), '/location/at');
      const point = toWgs84({ lon, lat }, crs);
      position = { ...point, ...(accuracy_m === undefined ? {} : { accuracyM: accuracy_m }) };
      const where = await fromDatabase(() => territory.resolveGrid(point, clock()));
      if (!where.community) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('incident.location_uncovered'), [
          { pointer: '/location', detail: message('incident.location_outside_areas') },
        ]);
      }
      body.community = where.community;
      if (where.grid) body.grid = where.grid;
    }
    const community = body.community;
    if (!community) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('incident.where_missing'), [
        { pointer: '/community', detail: message('incident.community_required') },
      ]);
    }
    // The grid names the place more closely than the community: it must lie in it, or the incident
    // would be filed in one place and announced to another community's operators and robots.
    if (body.grid !== undefined && !body.grid.startsWith(community)) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('incident.grid_outside_community', { grid: body.grid, community }),
        [
          {
            pointer: body.location ? '/location' : '/grid',
            detail: message('incident.grid_of_community', { community }),
          },
        ],
      );
    }
    const place = body.grid ?? community;
    const role = principal.assignments
      .filter((a) => ['operator', 'grid_worker', 'district_admin', 'property_manager'].includes(a.role))
      .find((a) => place.startsWith(a.scope));
    const incidentRole = role ? INCIDENT_ROLE[role.role] : undefined;
    if (!incidentRole) {
      const field = body.location ? '/location' : body.grid !== undefined ? '/grid' : '/community';
      throw new ProblemError('GL_FORBIDDEN', message('incident.report_outside', { place }), [
        { pointer: field, detail: message('incident.report_outside_field', { place }) },
      ]);
    }
    // The alert it is about must be of a gateway in the community reported: a caller cannot tie
    // their report to another community's alert (and learns nothing of gateways outside it).
    if (body.alert) {
      const { gateway_id } = body.alert;
      const { rows } = await fromDatabase(() =>
        db.query<{ community: string | null }>('SELECT community FROM gateways WHERE id = $1', [gateway_id]),
      );
      if (rows[0]?.community !== community) {
        throw new ProblemError('GL_FORBIDDEN', message('incident.alert_outside', { gateway: gateway_id, community }), [
          {
            pointer: '/alert/gateway_id',
            detail: message('incident.alert_outside_field', { community, field: 'alert' }),
          },
        ]);
      }
    }
    const result = await engineCall(() =>
      engine.report({
        requestId: body.request_id,
        source: body.source,
        category: body.category,
        ...(body.severity ? { severity: body.severity } : {}),
        ...(body.urgent === undefined ? {} : { urgent: body.urgent }),
        title: body.title,
        ...(body.description ? { description: body.description } : {}),
        place: {
          community,
          ...(body.grid ? { grid: body.grid } : {}),
          ...(body.building ? { building: body.building } : {}),
          ...(body.unit ? { unit: body.unit } : {}),
        },
        ...(body.address ? { address: body.address } : {}),
        ...(position ? { position } : {}),
        ...(body.drill === undefined ? {} : { drill: body.drill }),
        ...(body.alert ? { alert: { gatewayId: body.alert.gateway_id, alertId: body.alert.alert_id } } : {}),
        actor: principal.userId,
        role: incidentRole,
      }),
    );
    await audit(principal, 'incident.report', result.incident.id, {
      request_id: body.request_id,
      ...(body.alert ? { alert: body.alert } : {}),
    });
    res.status(201).json(localResult(result, languageOfRequest(req)));
  });

  router.post('/incidents/:id/transitions', jsonBody('1mb'), async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const body = parseBody(IncidentTransitionBody, req.body);
    const incident = await load(principal, req.params.id);
    // A repeated request keeps the role it was made in (the incident has moved on since).
    const earlierRole = await fromDatabase(() =>
      readRoleOfRequest(db, incident.id, body.request_id, principal.userId, incident.createdAt),
    );
    // A merge links two incidents: the one it joins must be one the caller sees too. A missing one and
    // one out of scope are the same "not found", so a merge cannot probe what exists elsewhere.
    if (body.action === 'merge' && earlierRole === undefined) await mergeTargetOf(principal, body.data?.into);
    // Only this action's rules decide the caller's role: the settings are read when one of them is conditional.
    const role =
      earlierRole ??
      roleFor(
        principal,
        incident,
        body.action,
        await fromDatabase(() => engine.policiesFor(incident.state, body.action)),
      );
    if (!role) {
      const policies = await fromDatabase(() => engine.policies());
      const allowed = [
        ...new Set(
          rulesFrom(STATE_MACHINE, incident.state, policies)
            .filter((rule) => incident.drill || !rule.drillOnly)
            .map((rule) => rule.action),
        ),
      ];
      // An action the state does not have at all is refused as such, whoever asks.
      if (!allowed.includes(body.action))
        throw new ProblemError(
          'GL_INCIDENT_ACTION_NOT_ALLOWED',
          message('engine.GL_INCIDENT_ACTION_NOT_ALLOWED', { state: incident.state, action: body.action, allowed }),
        );
      throw new ProblemError(
        'GL_FORBIDDEN',
        message('incident.no_role_for_action', { action: body.action, id: incident.id, state: incident.state }),
      );
    }
    // Only files uploaded for this incident; the engine's rule decides whether the tags suffice.
    const wanted = body.attachments ?? [];
    const stored = await fromDatabase(() =>
      attachments.ofIncident(
        incident.id,
        wanted.map((item) => item.id),
      ),
    );
    const unknown = wanted.flatMap((item, i) => (stored.has(item.id) ? [] : [{ item, i }]));
    if (unknown.length > 0) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('incident.attachment_unknown', { ids: unknown.map(({ item }) => item.id), id: incident.id }),
        unknown.map(({ i }) => ({
          pointer: `/attachments/${i}/id`,
          detail: message('incident.upload_first', { route: `POST /api/v1/incidents/${incident.id}/attachments` }),
        })),
      );
    }
    const stepAttachments = wanted.map((item) =>
      asStepAttachment(stored.get(item.id) as NonNullable<ReturnType<typeof stored.get>>, item.tag),
    );
    const result = await engineCall(() =>
      engine.transition({
        incidentId: incident.id,
        action: body.action,
        requestId: body.request_id,
        ...(body.expected_version === undefined ? {} : { expectedVersion: body.expected_version }),
        actor: principal.userId,
        role,
        ...(body.comment ? { comment: body.comment } : {}),
        ...(body.data ? { data: body.data } : {}),
        ...(stepAttachments.length > 0 ? { attachments: stepAttachments } : {}),
      }),
    );
    await audit(principal, `incident.${body.action}`, incident.id, {
      request_id: body.request_id,
      role,
      ...(stepAttachments.length > 0 ? { attachments: wanted.map((item) => item.id) } : {}),
    });
    res.json(localResult(result, languageOfRequest(req)));
  });

  return router;
}
