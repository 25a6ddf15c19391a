import { type Request, type Response, Router } from 'express';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { authenticateUser } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { CategoryCatalogue } from './catalogue.js';

/** `GET /categories`: the tenant's active incident categories, for report forms and list filters. */
export function categoryListRoutes(db: Db, people: People): Router {
  const router = Router();
  const catalogue = new CategoryCatalogue(db);
  router.get('/categories', authenticateUser(people), async (_req: Request, res: Response) => {
    const categories = await fromDatabase(() => catalogue.list());
    res.json({
      categories: categories
        .filter((category) => category.active)
        .map((category) => ({
          code: category.code,
          parent: category.parent,
          level: category.level,
          name: category.name,
          default_severity: category.default_severity,
          allowed_sources: category.allowed_sources,
        })),
    });
  });
  return router;
}
