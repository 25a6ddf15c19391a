import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type HttpPlugin, inOrder } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { CategoryCatalogue } from './catalogue.js';
import { categoryListRoutes } from './list-routes.js';
import { CATEGORY_PATHS, CATEGORY_SCHEMAS } from './openapi.js';
import { catalogueRoutes } from './routes.js';

/** The category catalogue (read by every page, edited by tenant admins) and the time limits. */
export const categoriesPlugin: HttpPlugin<{ db: Db; clock: Clock; people: People; adminToken: string }> = {
  name: 'categories',
  routes: ({ db, clock, people, adminToken }) =>
    inOrder(
      catalogueRoutes({ db, clock, people, adminToken, catalogue: new CategoryCatalogue(db) }),
      categoryListRoutes(db, people),
    ),
  openapi: { paths: CATEGORY_PATHS, schemas: CATEGORY_SCHEMAS },
};
