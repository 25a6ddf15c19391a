import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type HttpPlugin, inOrder } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { territoryAreaRoutes } from './area-routes.js';
import { territoryBoundaryRoutes } from './boundaries-routes.js';
import { TERRITORY_IMPORT_PATHS, TERRITORY_IMPORT_SCHEMAS } from './import/openapi.js';
import { territoryImportRoutes } from './import/routes.js';
import { TERRITORY_PATHS } from './openapi.js';
import { territorySearchRoutes } from './search-routes.js';

/** The territory's areas, boundaries by level and place search, for the pages' maps and pickers; and its import. */
export const territoryPlugin: HttpPlugin<{ db: Db; clock: Clock; people: People }> = {
  name: 'territory',
  routes: ({ db, clock, people }) =>
    inOrder(
      territoryAreaRoutes(db, clock, people),
      territoryBoundaryRoutes(db, clock, people),
      territorySearchRoutes(db, people),
      territoryImportRoutes(db, clock, people),
    ),
  openapi: { paths: { ...TERRITORY_PATHS, ...TERRITORY_IMPORT_PATHS }, schemas: TERRITORY_IMPORT_SCHEMAS },
};
