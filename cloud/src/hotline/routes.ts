import { HotlineExtensionAnswer, HotlineOrder, HotlineTicket, HotlineUpdate } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { IncidentError } from '../incidents/errors.js';
import type { Incident } from '../incidents/records.js';
import { visible } from '../incidents/routes.js';
import type { Actor } from '../people/audit.js';
import { authenticateManager, authenticateUser, managerOf, principalOf, refuseApiToken } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { HotlineError } from './errors.js';
import { maskPhonesIn } from './mask.js';
import { RETURN_MARK } from './push-hook.js';
import { HotlineStore, type OrderRow } from './store.js';

export interface HotlineRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  incidents: IncidentEngine;
  dataSecret: string;
  adminToken: string;
  logger: Logger;
}

export const NewPlatformBody = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'expected lowercase letters, digits and -, e.g. 12345-nanshan' }),
  name: z.string().trim().min(1).max(100),
  /** The integration user the platform authenticates as (with an API token of that user). */
  user_id: z.string().min(1),
  territory_code: z.string().regex(/^\d{6}(\d{3}){0,2}$/, { error: 'expected a district, street or community code' }),
  webhook_url: z.url({ protocol: /^https?$/, error: 'expected the http(s) address that receives push-backs' }),
  category_map: z.record(z.string().min(1).max(64), z.string().min(1).max(64)).default({}),
  fallback_category: z.string().min(1).max(64).default('other'),
});

/** What `PUT /hotline/platforms/{id}` replaces (its account and territory stay). */
export const PlatformEditBody = NewPlatformBody.omit({ id: true, user_id: true, territory_code: true });

export const ReturnBody = z.strictObject({ reason: z.string().trim().min(2).max(1000) });
export const ExtensionRequestBody = z.strictObject({
  deadline: z.iso.datetime({ offset: true }),
  reason: z.string().trim().min(2).max(1000),
});

const userActor = (principal: Principal): Actor => ({ kind: 'user', userId: principal.userId });

/**
 * The hotline: platforms file orders and send updates and extension answers (authenticated as
 * their integration user, inside their territory); the centre sees an incident's order masked,
 * reveals the caller (callback agents, audited), returns a misrouted order (退单) and asks for
 * more time (延期申请). Every route authenticates itself: this router is tried for other paths too.
 */
export function hotlineRoutes(ctx: HotlineRoutesContext): Router {
  const router = Router();
  const store = new HotlineStore(ctx.db, ctx.clock, ctx.dataSecret);
  const user = authenticateUser(ctx.people);
  const { incidents: engine } = ctx;

  const platformOf = async (res: Response) => {
    const principal = principalOf(res);
    const platform = await fromDatabase(() => store.platformOfUser(principal.userId));
    if (platform === undefined)
      throw new HotlineError(
        'GL_HOTLINE_NOT_A_PLATFORM',
        message('hotline.not_a_platform', { user: principal.username }),
      );
    return platform;
  };

  const ticketOf = (req: Request<{ ticket: string }>) => {
    const parsed = HotlineTicket.safeParse(req.params.ticket);
    if (!parsed.success)
      throw new HotlineError(
        'GL_HOTLINE_ORDER_NOT_FOUND',
        message('hotline.order_unknown', { ticket: req.params.ticket }),
      );
    return parsed.data;
  };

  router.post(
    '/hotline/platforms',
    authenticateManager(ctx.people, ctx.adminToken),
    jsonBody(BODY_LIMIT),
    async (req: Request, res: Response) => {
      refuseApiToken(res, message('hotline.platform_needs_session'));
      const manager = managerOf(res);
      const body = parseBody(NewPlatformBody, req.body);
      if (
        manager.kind === 'user' &&
        !manager.principal.assignments.some(
          (a) => a.role === 'district_admin' && body.territory_code.startsWith(a.scope),
        )
      )
        throw new ProblemError(
          'GL_FORBIDDEN',
          message('hotline.platform_outside', { territory: body.territory_code }),
          [
            {
              pointer: '/territory_code',
              detail: message('hotline.platform_outside', { territory: body.territory_code }),
            },
          ],
        );
      const target = await fromDatabase(() => ctx.people.users.principal(body.user_id));
      const operates = target?.assignments.some(
        (a) => a.role === 'operator' && body.territory_code.startsWith(a.scope),
      );
      if (!operates)
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('hotline.platform_user_scope', { territory: body.territory_code }),
          [{ pointer: '/user_id', detail: message('hotline.platform_user_scope', { territory: body.territory_code }) }],
        );
      const actor: Actor = manager.kind === 'admin' ? { kind: 'admin' } : userActor(manager.principal);
      const created = await fromDatabase(() => store.createPlatform(actor, body));
      ctx.logger.info({ platform: created.id, user: created.user_id }, 'hotline platform created');
      res.status(201).json(created);
    },
  );

  router.put(
    '/hotline/platforms/:id',
    authenticateManager(ctx.people, ctx.adminToken),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      refuseApiToken(res, message('hotline.platform_needs_session'));
      const manager = managerOf(res);
      const body = parseBody(PlatformEditBody, req.body);
      const known = await fromDatabase(() => store.platform(req.params.id));
      const managed =
        known !== undefined &&
        (manager.kind === 'admin' ||
          manager.principal.assignments.some(
            (a) => a.role === 'district_admin' && known.territory_code.startsWith(a.scope),
          ));
      if (!managed) throw new ProblemError('GL_NOT_FOUND', message('hotline.platform_unknown', { id: req.params.id }));
      const actor: Actor = manager.kind === 'admin' ? { kind: 'admin' } : userActor(manager.principal);
      const replaced = await fromDatabase(() => store.replacePlatform(actor, req.params.id, body));
      ctx.logger.info({ platform: req.params.id }, 'hotline platform replaced, secret rotated');
      res.json(replaced);
    },
  );

  router.post('/hotline/orders', user, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const platform = await platformOf(res);
    const order = parseBody(HotlineOrder, req.body);
    if (!order.territory_code.startsWith(platform.territory_code))
      throw new HotlineError(
        'GL_HOTLINE_OUTSIDE_TERRITORY',
        message('hotline.outside_territory', { place: order.territory_code, territory: platform.territory_code }),
        '/territory_code',
      );
    const earlier = await fromDatabase(() => store.replayOf(platform.id, order));
    if (earlier !== undefined) {
      res.status(200).json({ ticket: order.ticket, incident_id: earlier, created: false });
      return;
    }
    const content = maskPhonesIn(order.content);
    const grid = order.territory_code.length === 15 ? order.territory_code : undefined;
    const filed = await fromDatabase(() =>
      engine.report({
        requestId: `hotline:${platform.id}:${order.ticket}`,
        source: order.channel,
        category: HotlineStore.categoryOf(platform, order.category_code),
        title: titleOf(content),
        description: content,
        place: { community: order.territory_code.slice(0, 12), ...(grid === undefined ? {} : { grid }) },
        address: order.address,
        actor: principalOf(res).userId,
        role: 'operator',
        // The platform's deadline governs the handling when it is stricter than the category's (domain §4).
        ...(order.deadline === undefined ? {} : { externalDeadline: new Date(order.deadline) }),
      }),
    );
    const recorded = await fromDatabase(() => store.recordOrder(platform, order, filed.incident));
    res.status(recorded.created ? 201 : 200).json({
      ticket: order.ticket,
      incident_id: recorded.incidentId,
      created: recorded.created,
    });
  });

  router.post(
    '/hotline/orders/:ticket/updates',
    user,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ ticket: string }>, res: Response) => {
      const platform = await platformOf(res);
      const ticket = ticketOf(req);
      const update = parseBody(HotlineUpdate, req.body);
      if (update.kind === 'supplement' && update.content === undefined)
        throw new ProblemError('GL_VALIDATION_FAILED', message('hotline.supplement_content', { field: 'content' }), [
          { pointer: '/content', detail: message('hotline.supplement_content', { field: 'content' }) },
        ]);
      const result = await fromDatabase(() => store.receiveUpdate(platform.id, ticket, update));
      res.status(result.repeated ? 200 : 202).json({ ticket, seq: update.seq, ...result });
    },
  );

  router.post(
    '/hotline/orders/:ticket/extension-answer',
    user,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ ticket: string }>, res: Response) => {
      const platform = await platformOf(res);
      const ticket = ticketOf(req);
      const answer = parseBody(HotlineExtensionAnswer, req.body);
      const { order, extension, previousDeadline } = await fromDatabase(() =>
        store.answerExtension(platform.id, ticket, answer),
      );
      let extended = false;
      if (extension.status === 'approved' && extension.deadline !== undefined) {
        // The approval lengthens the incident's limit by what it adds to the deadline before it.
        const from = previousDeadline ?? new Date(extension.requested_at);
        const minutes = Math.ceil((new Date(extension.deadline).getTime() - from.getTime()) / 60_000);
        const incident = await fromDatabase(() => engine.get(order.incident_id));
        if (minutes >= 1 && incident?.state === 'IN_PROGRESS') {
          extended = await extendLimit(order.incident_id, minutes, {
            requestId: `hotline-extension:${order.id}:${extension.requested_at}`,
            actor: principalOf(res).userId,
            deadline: extension.deadline,
            ...(answer.comment === undefined ? {} : { comment: answer.comment }),
          });
        }
      }
      res.json({ ticket, extension, incident_limit_extended: extended });
    },
  );

  const territoryOf = (incident: Incident) => incident.place.grid ?? incident.place.community ?? '';
  const callbackAgentOf = (principal: Principal, incident: Incident) =>
    principal.assignments.some((a) => a.role === 'callback_agent' && territoryOf(incident).startsWith(a.scope));

  /**
   * Lengthens the incident's limit by `minutes`: a limit counts in natural or in working units and
   * an extension adds only in its own kind, so the natural minutes are tried first, then the same
   * span in whole working days and hours (rounded up: the platform granted at least that).
   */
  const extendLimit = async (
    incidentId: string,
    minutes: number,
    request: { requestId: string; actor: string; deadline: string; comment?: string },
  ): Promise<boolean> => {
    const candidates = [
      { value: minutes, unit: 'natural_minutes' },
      { value: Math.ceil(minutes / 1440), unit: 'working_days' },
      { value: Math.ceil(minutes / 60), unit: 'working_hours' },
    ];
    for (const extra of candidates) {
      try {
        await fromDatabase(() =>
          engine.transition({
            incidentId,
            action: 'extend',
            requestId: request.requestId,
            actor: request.actor,
            role: 'operator',
            data: { extra, hotline_deadline: request.deadline },
            ...(request.comment === undefined ? {} : { comment: request.comment }),
          }),
        );
        return true;
      } catch (err) {
        if (!(err instanceof IncidentError && err.code === 'GL_INCIDENT_INVALID_INPUT')) throw err;
      }
    }
    return false;
  };

  /** The incident (404 unless the caller sees it) and its order (404 when it came from no hotline). */
  const orderOfIncident = async (
    principal: Principal,
    id: string,
  ): Promise<{ incident: Incident; order: OrderRow }> => {
    const incident = await fromDatabase(() => engine.get(id));
    // Callback agents call hotline callers back while the order runs too: they see its order (masked).
    const agent = incident !== undefined && callbackAgentOf(principal, incident);
    if (incident === undefined || !(visible(scopeFilter(principal), incident) || agent))
      throw new ProblemError('GL_INCIDENT_NOT_FOUND', message('hotline.incident_unknown', { id }));
    const order = await fromDatabase(() => store.orderOfIncident(incident.id));
    if (order === undefined)
      throw new HotlineError('GL_HOTLINE_ORDER_NOT_FOUND', message('hotline.incident_no_order', { id }));
    return { incident, order };
  };

  /** Callback agents of the place; its operators too when the centre calls back (domain §3). */
  const mayReveal = async (principal: Principal, incident: Incident) => {
    const place = territoryOf(incident);
    if (callbackAgentOf(principal, incident)) return true;
    const operator = principal.assignments.some((a) => a.role === 'operator' && place.startsWith(a.scope));
    return operator && (await fromDatabase(() => engine.settings())).callback === 'centre';
  };

  const operatorOf = (principal: Principal, incident: Incident, field: string) => {
    const place = territoryOf(incident);
    if (!principal.assignments.some((a) => a.role === 'operator' && place.startsWith(a.scope)))
      throw new ProblemError('GL_FORBIDDEN', message('hotline.needs_operator', { place }), [
        { pointer: field, detail: message('hotline.needs_operator', { place }) },
      ]);
  };

  router.get('/incidents/:id/hotline', user, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const { incident, order } = await orderOfIncident(principal, req.params.id);
    res.json({
      order: await fromDatabase(() => store.view(order)),
      pushes: await fromDatabase(() => store.pushes(order.id)),
      may_reveal: await mayReveal(principal, incident),
    });
  });

  router.post('/incidents/:id/hotline/reveal', user, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    const { incident, order } = await orderOfIncident(principal, req.params.id);
    if (!(await mayReveal(principal, incident)))
      throw new ProblemError('GL_FORBIDDEN', message('hotline.reveal_refused'));
    res.json(await fromDatabase(() => store.reveal(order, userActor(principal))));
  });

  router.post(
    '/incidents/:id/hotline/return',
    user,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const { incident, order } = await orderOfIncident(principal, req.params.id);
      operatorOf(principal, incident, '/reason');
      const body = parseBody(ReturnBody, req.body);
      if (!['REPORTED', 'ACCEPTED'].includes(incident.state) || order.status !== 'open')
        throw new HotlineError(
          'GL_HOTLINE_STATE_CONFLICT',
          message('hotline.return_too_late', { ticket: order.ticket, state: incident.state }),
        );
      const result = await fromDatabase(() =>
        engine.transition({
          incidentId: incident.id,
          action: 'reject',
          requestId: `hotline-return:${order.id}`,
          actor: principal.userId,
          role: 'operator',
          comment: body.reason,
          data: { [RETURN_MARK]: true },
        }),
      );
      res.json({ ticket: order.ticket, incident_id: incident.id, state: result.incident.state });
    },
  );

  router.post(
    '/incidents/:id/hotline/extension',
    user,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const principal = principalOf(res);
      const { incident, order } = await orderOfIncident(principal, req.params.id);
      operatorOf(principal, incident, '/deadline');
      const body = parseBody(ExtensionRequestBody, req.body);
      const current = order.platform_deadline;
      if (current !== null && new Date(body.deadline) <= current)
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('hotline.extension_not_later', { deadline: current.toISOString() }),
          [
            {
              pointer: '/deadline',
              detail: message('hotline.extension_not_later', { deadline: current.toISOString() }),
            },
          ],
        );
      const extension = await fromDatabase(() => store.requestExtension(order, userActor(principal), body));
      res.status(202).json({ ticket: order.ticket, extension });
    },
  );

  return router;
}

/** The incident's title: the content's first 40 characters, an ellipsis saying when it goes on (a cut number reads as a wrong one). */
function titleOf(content: string): string {
  const characters = [...content];
  return characters.length <= 40 ? content : `${characters.slice(0, 39).join('')}…`;
}
