import type { Logger } from 'pino';
import type { HttpPlugin } from '../http/plugin.js';
import type { ClientCertificates } from './auth.js';
import { GATEWAY_PATHS, GATEWAY_SCHEMAS } from './openapi.js';
import type { GatewayRegistry } from './registry.js';
import { gatewayRoutes } from './routes.js';

/** Gateway registration, the community each serves, token rotation. */
export const gatewaysPlugin: HttpPlugin<{
  registry: GatewayRegistry;
  adminToken: string;
  logger: Logger;
  clientCertificates: ClientCertificates;
}> = {
  name: 'gateways',
  routes: (ctx) =>
    gatewayRoutes(ctx.registry, ctx.adminToken, ctx.logger.child({ module: 'gateways' }), ctx.clientCertificates),
  openapi: { paths: GATEWAY_PATHS, schemas: GATEWAY_SCHEMAS },
};
