import { CommunityCode, GatewayId } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type ClientCertificates, checkClientCertificate, identify, requireAdmin } from './auth.js';
import type { GatewayRegistry } from './registry.js';

export const NewGateway = z.strictObject({
  id: GatewayId,
  name: z.string().min(1).max(200).optional(),
  /** The community the gateway serves (its `gateway.community`); its alerts may place incidents only there. */
  community: CommunityCode.optional(),
});
export const GatewayCommunity = z.strictObject({ community: CommunityCode });

/** Registering gateways and rotating their tokens. */
export function gatewayRoutes(
  registry: GatewayRegistry,
  adminToken: string,
  logger: Logger,
  clientCertificates: ClientCertificates = 'off',
): Router {
  const router = Router();

  router.post('/gateways', requireAdmin(adminToken), jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const { id, name, community } = parseBody(NewGateway, req.body);
    const result = await fromDatabase(() => registry.register(id, name, community));
    if (!result.ok) throw new ProblemError('GL_GATEWAY_EXISTS', message('gateway.exists', { gateway: id }));
    logger.info({ gateway: id }, 'gateway registered');
    res.status(201).location(`/api/v1/gateways/${id}`).json(result.issued);
  });

  router.put(
    '/gateways/:id/community',
    requireAdmin(adminToken),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const { id } = req.params;
      const { community } = parseBody(GatewayCommunity, req.body);
      if (!(await fromDatabase(() => registry.setCommunity(id, community)))) {
        throw new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: id }));
      }
      logger.info({ gateway: id, community }, 'gateway community set');
      res.status(200).json({ id, community });
    },
  );

  router.post('/gateways/:id/token', async (req: Request<{ id: string }>, res: Response) => {
    const { id } = req.params;
    const caller = await identify(req, adminToken, registry);
    if (caller.kind === 'gateway') {
      if (caller.gatewayId !== id) {
        throw new ProblemError('GL_FORBIDDEN', message('token.other_gateway', { gateway: id }));
      }
      if (!caller.current) {
        throw new ProblemError('GL_FORBIDDEN', message('token.replaced_cannot_rotate'));
      }
      // A token alone must not get a new token where the gateway's other routes need its certificate too.
      checkClientCertificate(req, id, clientCertificates);
    }
    const rotated = await fromDatabase(() => registry.rotate(id));
    if (rotated === undefined)
      throw new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: id }));
    logger.info(
      { gateway: id, by: caller.kind, previous_token_expires_at: rotated.previous_token_expires_at },
      'gateway token rotated',
    );
    res.status(200).json(rotated);
  });

  return router;
}
