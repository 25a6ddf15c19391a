import { CategoryCatalogue } from '../categories/catalogue.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { DispatchStore } from '../dispatch/store.js';
import { type HttpPlugin, inOrder } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { workingCalendarRoutes } from './calendar-routes.js';
import { SETTINGS_PATHS, SETTINGS_SCHEMAS } from './openapi.js';
import { settingsRoutes } from './routes.js';

/** The tenant's settings: deadlines, dispatch, incidents, KPIs, maintenance thresholds, sessions. */
export const settingsPlugin: HttpPlugin<{
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
  /** Without it `/settings/dispatch` is absent (like the dispatch routes). */
  dispatch?: { store: DispatchStore };
}> = {
  name: 'settings',
  routes: ({ db, clock, people, adminToken, dispatch }) =>
    inOrder(
      settingsRoutes({
        db,
        clock,
        people,
        adminToken,
        catalogue: new CategoryCatalogue(db),
        ...(dispatch ? { dispatch: dispatch.store } : {}),
      }),
      workingCalendarRoutes({ db, clock, people, adminToken }),
    ),
  openapi: { paths: SETTINGS_PATHS, schemas: SETTINGS_SCHEMAS },
};
