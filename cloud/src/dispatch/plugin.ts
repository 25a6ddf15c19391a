import type { HttpPlugin } from '../http/plugin.js';
import { inOrder } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { DISPATCH_PATHS, DISPATCH_SCHEMAS } from './openapi.js';
import { type DispatchRoutesContext, dispatchRoutes } from './routes.js';
import { unitRobotRoutes } from './unit-robot-routes.js';

/** Live push of notifications and the group robots of communities and disposal units. */
export const dispatchPlugin: HttpPlugin<{
  people: People;
  adminToken: string;
  /** Live push and the robots' store; without it these routes are absent. */
  dispatch?: DispatchRoutesContext;
}> = {
  name: 'dispatch',
  routes: ({ people, adminToken, dispatch }) =>
    dispatch && inOrder(dispatchRoutes(people, dispatch), unitRobotRoutes(people, adminToken, dispatch.store)),
  openapi: { paths: DISPATCH_PATHS, schemas: DISPATCH_SCHEMAS },
};
