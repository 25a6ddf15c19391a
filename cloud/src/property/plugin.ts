import type { HttpPlugin } from '../http/plugin.js';
import { PROPERTY_PATHS } from './openapi.js';
import { type PropertyRoutesContext, propertyRoutes } from './routes.js';

/** The property manager's pages: community overview, alerts (alert_only ones too), device pages, KPIs. */
export const propertyPlugin: HttpPlugin<PropertyRoutesContext> = {
  name: 'property',
  routes: (ctx) => propertyRoutes(ctx),
  openapi: { paths: PROPERTY_PATHS },
};
