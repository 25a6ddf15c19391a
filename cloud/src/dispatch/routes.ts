import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import { bearerToken } from '../gateways/tokens.js';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { bodyFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { administers, type Principal } from '../people/scope.js';
import { streamSessionCheck } from '../people/stream-session.js';
import type { DispatchStore } from './store.js';
import { RobotList } from './store.js';
import type { NotificationStreams } from './streams.js';

export interface DispatchRoutesContext {
  store: DispatchStore;
  streams: NotificationStreams;
  clock: Clock;
}

const COMMUNITY = /^\d{12}$/;

/** District/street admins over the community, or operators of a centre over it. */
export function managesRobots(principal: Principal, community: string): boolean {
  return (
    administers(principal, community) ||
    principal.assignments.some((a) => a.role === 'operator' && community.startsWith(a.scope))
  );
}

function community(req: Request<{ code: string }>, principal: Principal): string {
  const code = req.params.code;
  if (!COMMUNITY.test(code))
    throw new ProblemError('GL_VALIDATION_FAILED', message('territory.community_code'), [
      { detail: message('territory.community_code_expected'), parameter: 'code' },
    ]);
  if (!managesRobots(principal, code))
    throw new ProblemError('GL_FORBIDDEN', message('robot.community_managers', { community: code }));
  return code;
}

/**
 * `GET /notifications/stream` (the signed-in user's live push, Server-Sent Events) and
 * `GET|PUT /communities/{code}/robots` (the community's group robots; webhooks and secrets are
 * write-only).
 */
export function dispatchRoutes(people: People, ctx: DispatchRoutesContext): Router {
  const router = Router();
  const session = authenticateUser(people);

  router.get('/notifications/stream', session, (req: Request, res: Response) => {
    const principal = principalOf(res);
    const token = bearerToken(req.get('authorization')) as string;
    // A stream outlives its request: its session and roles are checked again while it is open.
    ctx.streams.serve(principal.userId, req, res, streamSessionCheck(people, token, principal));
  });

  router.get('/communities/:code/robots', session, async (req: Request<{ code: string }>, res: Response) => {
    const code = community(req, principalOf(res));
    const robots = await fromDatabase(() => ctx.store.robotViews({ kind: 'community', id: code }));
    res.json({ community: code, robots });
  });

  router.put(
    '/communities/:code/robots',
    session,
    jsonBody('64kb'),
    async (req: Request<{ code: string }>, res: Response) => {
      const principal = principalOf(res);
      const code = community(req, principal);
      const parsed = RobotList.safeParse(req.body);
      if (!parsed.success)
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('request.body_invalid'),
          bodyFieldErrors(parsed.error.issues),
        );
      // An invalid robot (DispatchError) goes to the error handler as the validation failure it is.
      const robots = await fromDatabase(() =>
        ctx.store.replaceRobots(
          { kind: 'user', userId: principal.userId },
          { kind: 'community', id: code },
          parsed.data.robots,
        ),
      );
      res.json({ community: code, robots });
    },
  );

  return router;
}
