import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { canSeeTerritory } from '../people/scope.js';

/** A territory code: a district (6 digits), street (9), community (12), grid (15) or micro-grid (18). */
const CODE = /^[0-9]{6}(?:[0-9]{3}){0,4}$/;

/**
 * `GET /territory/areas?under=<code>`: the areas in force now of a territory unit and every unit
 * under it, as a GeoJSON FeatureCollection (WGS-84), for the pages' maps: only of a territory the
 * caller sees (an operator their centre's, a grid worker their grid), as everything else.
 */
export function territoryAreaRoutes(db: Db, clock: Clock, people: People): Router {
  const router = Router();
  router.get('/territory/areas', authenticateUser(people), async (req: Request, res: Response) => {
    const under = typeof req.query.under === 'string' ? req.query.under : '';
    if (!CODE.test(under)) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('territory.under_not_a_code', { parameter: 'under' }));
    }
    if (!canSeeTerritory(principalOf(res), under)) {
      throw new ProblemError('GL_FORBIDDEN', message('territory.outside_yours', { territory: under }));
    }
    const { rows } = await fromDatabase(() =>
      db.query<{ code: string; level: string; name_zh: string; name_en: string | null; area: unknown }>(
        `SELECT u.code, u.level, u.name_zh, u.name_en, p.area
         FROM territory_units u JOIN territory_polygons p ON p.unit_code = u.code
         WHERE u.code LIKE $1 || '%' AND p.valid_from <= $2 AND (p.valid_to IS NULL OR p.valid_to > $2)
         ORDER BY length(u.code), u.code`,
        [under, clock()],
      ),
    );
    res.json({
      type: 'FeatureCollection',
      features: rows.map((row) => ({
        type: 'Feature',
        id: row.code,
        properties: { code: row.code, level: row.level, name: { zh: row.name_zh, en: row.name_en ?? row.name_zh } },
        geometry: row.area,
      })),
    });
  });
  return router;
}
