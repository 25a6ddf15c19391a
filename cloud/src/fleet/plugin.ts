import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { FLEET_PATHS } from './openapi.js';
import { fleetRoutes } from './routes.js';

/** Community operations: the gateway fleet, trouble first, each gateway's history, and repeat offenders. */
export const fleetPlugin: HttpPlugin<{ db: Db; people: People; adminToken: string; clock: Clock }> = {
  name: 'fleet',
  routes: ({ db, people, adminToken, clock }) => fleetRoutes(db, people, adminToken, clock),
  openapi: { paths: FLEET_PATHS },
};
