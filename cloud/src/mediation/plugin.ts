import type { HttpPlugin } from '../http/plugin.js';
import { MEDIATION_PATHS, MEDIATION_SCHEMAS } from './openapi.js';
import { type MediationRoutesContext, mediationRoutes } from './routes.js';

/** Dispute mediation 三调联动: cases for dispute incidents, their parties, sessions, outcomes and follow-ups. */
export const mediationPlugin: HttpPlugin<MediationRoutesContext> = {
  name: 'mediation',
  routes: (ctx) => mediationRoutes(ctx),
  openapi: { paths: MEDIATION_PATHS, schemas: MEDIATION_SCHEMAS },
};
