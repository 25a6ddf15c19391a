import type { HttpPlugin } from '../http/plugin.js';
import { PATROL_PATHS, PATROL_SCHEMAS } from './openapi.js';
import { type PatrolRoutesContext, patrolRoutes } from './routes.js';

/** Patrol (智慧巡防): plans, tasks, the worker's day, sessions with positions and check-ins, trajectories, the live map. */
export const patrolPlugin: HttpPlugin<PatrolRoutesContext> = {
  name: 'patrol',
  routes: (ctx) => patrolRoutes(ctx),
  openapi: { paths: PATROL_PATHS, schemas: PATROL_SCHEMAS },
};
