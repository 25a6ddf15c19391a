import type { Logger } from 'pino';
import type { ClientCertificates } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import type { HttpPlugin } from '../http/plugin.js';
import { DOWNLINK_PATHS, DOWNLINK_SCHEMAS } from './openapi.js';
import type { DownlinkQueue } from './queue.js';
import { downlinkRoutes } from './routes.js';

/** Durable cloud → gateway messages, long-polled by the gateways. */
export const downlinkPlugin: HttpPlugin<{
  downlink: DownlinkQueue;
  registry: GatewayRegistry;
  adminToken: string;
  logger: Logger;
  /** How often a held long-poll looks for messages queued by another replica. */
  downlinkRecheckMs: number;
  clientCertificates: ClientCertificates;
}> = {
  name: 'downlink',
  routes: (ctx) =>
    downlinkRoutes(ctx.downlink, ctx.registry, ctx.adminToken, ctx.logger.child({ module: 'downlink' }), {
      recheckMs: ctx.downlinkRecheckMs,
      clientCertificates: ctx.clientCertificates,
    }),
  openapi: { paths: DOWNLINK_PATHS, schemas: DOWNLINK_SCHEMAS },
};
