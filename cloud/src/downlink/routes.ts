import { DownlinkAck, DownlinkMessage, GatewayId } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type ClientCertificates, requireAdmin, requireGateway } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { ProblemError, type ProblemFieldError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { DownlinkQueue } from './queue.js';

export const MAX_WAIT_S = 30;
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;

export const AckBatch = z.strictObject({ acks: z.array(DownlinkAck).max(1000) });

function intParameter(
  raw: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
  errors: ProblemFieldError[],
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  errors.push({
    parameter: name,
    detail: message('field.expected_received', {
      expected: message('expect.integer_between', { min, max }),
      received: JSON.stringify(raw),
    }),
  });
  return fallback;
}

/** Cloud → gateway: queued by administrators (or other cloud modules), fetched and acknowledged by the gateway. */
export function downlinkRoutes(
  queue: DownlinkQueue,
  registry: GatewayRegistry,
  adminToken: string,
  logger: Logger,
  options: { recheckMs: number; clientCertificates: ClientCertificates },
): Router {
  const router = Router();

  router.post(
    '/gateways/:id/downlink',
    requireAdmin(adminToken),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const { id } = req.params;
      if (!GatewayId.safeParse(id).success)
        throw new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: id }));
      const downlink = parseBody(DownlinkMessage, req.body);
      const result = await fromDatabase(() => queue.enqueue(id, downlink));
      if (result.status === 'unknown_gateway') {
        throw new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: id }));
      }
      if (result.status === 'queued')
        logger.info({ gateway: id, message: downlink.id, type: downlink.type }, 'downlink queued');
      res.status(result.status === 'queued' ? 201 : 200).json({ id: downlink.id, status: result.status });
    },
  );

  router.get(
    '/gateways/:id/downlink',
    requireGateway(registry, options.clientCertificates),
    async (req: Request<{ id: string }>, res: Response) => {
      const errors: ProblemFieldError[] = [];
      const wait = intParameter(req.query.wait, 'wait', 0, MAX_WAIT_S, 0, errors);
      const limit = intParameter(req.query.limit, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT, errors);
      if (errors.length > 0) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('request.query_invalid'), errors);
      }
      // A gateway that hangs up ends its poll; the connection is not held for nothing.
      const hangUp = new AbortController();
      res.on('close', () => hangUp.abort());
      const messages = await fromDatabase(() =>
        queue.poll(req.params.id, limit, wait * 1000, { signal: hangUp.signal, recheckMs: options.recheckMs }),
      );
      if (!res.writableEnded && !res.destroyed) res.status(200).json({ messages });
    },
  );

  router.post(
    '/gateways/:id/downlink/acks',
    requireGateway(registry, options.clientCertificates),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const { acks } = parseBody(AckBatch, req.body);
      const acknowledged = await fromDatabase(() => queue.acknowledge(req.params.id, acks));
      res.status(200).json({ acknowledged });
    },
  );

  return router;
}
