import type { HttpPlugin } from '../http/plugin.js';
import { CO_HANDLING_PATHS, CO_HANDLING_SCHEMAS } from './openapi.js';
import { type CoHandlingRoutesContext, coHandlingRoutes } from './routes.js';

/** Co-handling (多部门联动): co-handling units' tasks, copied units, the lead's gate and its override. */
export const coHandlingPlugin: HttpPlugin<
  Omit<CoHandlingRoutesContext, 'coHandling'> & { coHandling?: CoHandlingRoutesContext['coHandling'] }
> = {
  name: 'co-handling',
  routes: (ctx) =>
    ctx.coHandling === undefined ? undefined : coHandlingRoutes({ ...ctx, coHandling: ctx.coHandling }),
  openapi: { paths: CO_HANDLING_PATHS, schemas: CO_HANDLING_SCHEMAS },
};
