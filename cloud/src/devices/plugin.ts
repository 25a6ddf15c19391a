import type { Db } from '../db/db.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { DEVICE_PATHS } from './openapi.js';
import { deviceRoutes } from './routes.js';

/** The devices the cloud knows per community and gateway: their state, availability and health. */
export const devicesPlugin: HttpPlugin<{ db: Db; people: People; adminToken: string }> = {
  name: 'devices',
  routes: ({ db, people, adminToken }) => deviceRoutes(db, people, adminToken),
  openapi: { paths: DEVICE_PATHS },
};
