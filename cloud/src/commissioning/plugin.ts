import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { ClientCertificates } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { COMMISSIONING_PATHS, COMMISSIONING_SCHEMAS } from './openapi.js';
import { commissioningRoutes } from './routes.js';

/** A gateway's commissioning check: the link's round trip, its drills' progress, and their end. */
export const commissioningPlugin: HttpPlugin<{
  db: Db;
  clock: Clock;
  registry: GatewayRegistry;
  clientCertificates: ClientCertificates;
  incidents: IncidentEngine;
}> = {
  name: 'commissioning',
  routes: (ctx) => commissioningRoutes(ctx.db, ctx.clock, ctx.registry, ctx.clientCertificates, ctx.incidents),
  openapi: { paths: COMMISSIONING_PATHS, schemas: COMMISSIONING_SCHEMAS },
};
