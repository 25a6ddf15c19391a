import type { CloudEvent } from '@gridlink/protocol';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type ClientCertificates, requireGateway } from '../gateways/auth.js';
import type { GatewayRegistry, TokenOwner } from '../gateways/registry.js';
import { EVENTS_BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import { ingestBatch, MAX_BATCH_EVENTS } from './intake.js';

type IntakeMetrics = Pick<CloudMetrics, 'intakeBatches' | 'intakeEvents'>;

/** Counts each batch's answer, refusals by authentication included, once it went out. */
function countBatches(metrics: IntakeMetrics | undefined) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const outcome = res.statusCode >= 500 ? 'failed' : res.statusCode >= 400 ? 'refused' : 'stored';
      metrics?.intakeBatches.inc({ outcome });
    });
    next();
  };
}

/** The gateway intake: batches of CloudEvents, one result per event. */
export function eventRoutes(
  db: Db,
  clock: Clock,
  registry: GatewayRegistry,
  logger: Logger,
  clientCertificates: ClientCertificates,
  onStored: (events: CloudEvent[]) => void = () => {},
  metrics?: IntakeMetrics,
): Router {
  const router = Router();

  router.post(
    '/gateways/:id/events',
    countBatches(metrics),
    requireGateway(registry, clientCertificates),
    jsonBody(EVENTS_BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const batch: unknown = req.body;
      if (!Array.isArray(batch)) {
        throw new ProblemError(
          'GL_BATCH_NOT_ARRAY',
          message('batch.not_array', { type: 'application/cloudevents-batch+json' }),
        );
      }
      if (batch.length === 0)
        throw new ProblemError('GL_BATCH_EMPTY', message('batch.empty', { most: MAX_BATCH_EVENTS }));
      if (batch.length > MAX_BATCH_EVENTS) {
        throw new ProblemError(
          'GL_BATCH_TOO_LARGE',
          message('batch.too_large', { count: batch.length, most: MAX_BATCH_EVENTS }),
        );
      }
      const gatewayId = req.params.id;
      const owner = res.locals.gateway as TokenOwner;
      const outcome = await fromDatabase(() => ingestBatch(db, clock, gatewayId, batch, owner));
      const counts = { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected };
      metrics?.intakeEvents.inc({ result: 'accepted' }, outcome.accepted);
      metrics?.intakeEvents.inc({ result: 'duplicate' }, outcome.duplicates);
      metrics?.intakeEvents.inc({ result: 'rejected' }, outcome.rejected);
      if (outcome.rejected > 0) {
        // Rejected events are final: worth a warning, with the first reason (not every event's).
        const first = outcome.results.find((result) => result.status === 'rejected');
        logger.warn({ gateway: gatewayId, ...counts, first_error: first?.error }, 'events rejected');
      } else {
        logger.debug({ gateway: gatewayId, ...counts }, 'batch stored');
      }
      res.status(200).json({ results: outcome.results });
      // After the answer: the gateway's delivery never waits for what the events cause.
      if (outcome.stored.length > 0) onStored(outcome.stored);
    },
  );

  return router;
}
