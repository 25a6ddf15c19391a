import type { HttpPlugin } from '../http/plugin.js';
import { inOrder } from '../http/plugin.js';
import { type ResidentsNeeds, residentsContext } from './context.js';
import { open311Routes } from './open311.js';
import { RESIDENT_PATHS, RESIDENT_SCHEMAS } from './openapi.js';
import { residentRoutes } from './routes.js';
import { residentStaffRoutes } from './staff-routes.js';

/**
 * Residents' reports (随手拍, 市民上报) from the public phone page, their tracking and rating, and
 * Open311 GeoReport v2 for other apps: public routes that expose nothing but a resident's own report.
 */
export const residentsPlugin: HttpPlugin<ResidentsNeeds & { open311MediaHosts?: readonly string[] }> = {
  name: 'residents',
  routes: (needs) => {
    const ctx = residentsContext(needs);
    return inOrder(
      residentRoutes(ctx),
      residentStaffRoutes(ctx),
      open311Routes({ ...ctx, mediaHosts: needs.open311MediaHosts ?? [] }),
    );
  },
  openapi: { paths: RESIDENT_PATHS, schemas: RESIDENT_SCHEMAS },
};
