import type { CloudEvent } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { ClientCertificates } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import { INTAKE_PATHS, INTAKE_SCHEMAS } from './openapi.js';
import { eventRoutes } from './routes.js';

/** Gateways' event batches, stored exactly once. */
export const intakePlugin: HttpPlugin<{
  db: Db;
  clock: Clock;
  registry: GatewayRegistry;
  logger: Logger;
  clientCertificates: ClientCertificates;
  /** Called with the events each batch stored, after the gateway has its answer. */
  onEventsStored?: (events: CloudEvent[]) => void;
  /** Batches and events counted for `/metrics`. */
  metrics?: CloudMetrics;
}> = {
  name: 'intake',
  routes: (ctx) =>
    eventRoutes(
      ctx.db,
      ctx.clock,
      ctx.registry,
      ctx.logger.child({ module: 'intake' }),
      ctx.clientCertificates,
      ctx.onEventsStored,
      ctx.metrics,
    ),
  openapi: { paths: INTAKE_PATHS, schemas: INTAKE_SCHEMAS },
};
