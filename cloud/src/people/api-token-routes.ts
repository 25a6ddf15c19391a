import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { whyNotManaged } from './managed-user.js';
import { authenticateManager, type Manager, managerActor, managerOf, refuseApiToken } from './middleware.js';
import type { People } from './people.js';

export const NewApiTokenBody = z.strictObject({
  /** What the token is for, shown in lists: `node-red building A`. */
  name: z.string().trim().min(1).max(100),
  /** When it stops working; default `auth.api_tokens.default_days` from now, at most `max_days`. */
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

/**
 * `POST|GET /users/{id}/api-tokens` and `DELETE /users/{id}/api-tokens/{tokenId}`: long-lived
 * tokens for integrations, each acting as its user. Whoever manages the user (the admin token, or a
 * district admin over the user's home and every role) creates, lists and revokes them; creating and
 * revoking are audited. A token is never made with a token: that needs a session or the admin token.
 */
export function apiTokenRoutes(people: People, adminToken: string, logger: Logger): Router {
  const router = Router();
  const manager = authenticateManager(people, adminToken);

  const unitTerritory = async (unitId: string) => (await fromDatabase(() => people.units.get(unitId)))?.territory_code;

  /** 404 for an unknown user, 403 unless `m` manages them. */
  const managedUser = async (m: Manager, id: string) => {
    const user = await fromDatabase(() => people.users.get(id));
    if (user === undefined) throw new ProblemError('GL_USER_NOT_FOUND', message('user.unknown', { id }));
    const refusal = await whyNotManaged(m, user, unitTerritory);
    if (refusal !== undefined) throw new ProblemError('GL_FORBIDDEN', refusal);
    return user;
  };

  router.post(
    '/users/:id/api-tokens',
    manager,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      refuseApiToken(res, message('api_token.not_for_tokens'));
      const m = managerOf(res);
      const user = await managedUser(m, req.params.id);
      const body = parseBody(NewApiTokenBody, req.body);
      const expiresAt = body.expires_at === undefined ? undefined : new Date(body.expires_at);
      const refusal = expiresAt === undefined ? undefined : people.apiTokens.expiryRefusal(expiresAt);
      if (refusal !== undefined) {
        const said =
          refusal.kind === 'past'
            ? message('api_token.expiry_past')
            : message('api_token.expiry_too_far', { latest: refusal.latest.toISOString(), days: refusal.days });
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('api_token.expiry_invalid', { field: 'expires_at', said }),
          [{ pointer: '/expires_at', detail: said }],
        );
      }
      const issued = await fromDatabase(() =>
        people.apiTokens.create(managerActor(m), user.id, {
          name: body.name,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        }),
      );
      logger.info({ user: user.id, api_token: issued.id, by: managerActor(m) }, 'api token created');
      res.status(201).location(`/api/v1/users/${user.id}/api-tokens/${issued.id}`).json(issued);
    },
  );

  router.get('/users/:id/api-tokens', manager, async (req: Request<{ id: string }>, res: Response) => {
    const user = await managedUser(managerOf(res), req.params.id);
    res.json({ api_tokens: await fromDatabase(() => people.apiTokens.list(user.id)) });
  });

  router.delete(
    '/users/:id/api-tokens/:tokenId',
    manager,
    async (req: Request<{ id: string; tokenId: string }>, res: Response) => {
      const m = managerOf(res);
      const user = await managedUser(m, req.params.id);
      const revoked = await fromDatabase(() => people.apiTokens.revoke(managerActor(m), user.id, req.params.tokenId));
      if (revoked === undefined) {
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('api_token.not_found', { user: user.id, id: req.params.tokenId }),
          [{ parameter: 'tokenId', detail: message('api_token.not_found', { user: user.id, id: req.params.tokenId }) }],
        );
      }
      logger.info({ user: user.id, api_token: revoked.id, by: managerActor(m) }, 'api token revoked');
      res.json(revoked);
    },
  );

  return router;
}
