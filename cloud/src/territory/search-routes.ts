import { type Request, type Response, Router } from 'express';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { scopeFilter } from '../people/scope.js';

/** At most this many places per answer: a picker shows a short list, the caller types more to narrow it. */
export const MAX_PLACES = 20;

interface PlaceRow {
  code: string;
  level: string;
  name_zh: string;
  name_en: string | null;
  parent_code: string | null;
  parent_zh: string | null;
  parent_en: string | null;
}

/**
 * `GET /territory/search?q=<text>`: the communities and grids whose name (Chinese or English)
 * contains the text, for a call-taker who hears "河下社区" and not 320803001001. Only places the
 * caller sees: an operator their centre's, a grid worker their grid, nothing of anyone else's.
 */
export function territorySearchRoutes(db: Db, people: People): Router {
  const router = Router();
  router.get('/territory/search', authenticateUser(people), async (req: Request, res: Response) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    if (q.length === 0 || q.length > 100) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('territory.search_query', { parameter: 'q', most: 100 }));
    }
    const filter = scopeFilter(principalOf(res));
    const prefixes = [...filter.territoryPrefixes, ...filter.gridCodes, ...filter.communityCodes];
    if (prefixes.length === 0) {
      res.json({ places: [] });
      return;
    }
    // The text is matched literally: % and _ typed by the caller are not wildcards.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await fromDatabase(() =>
      db.query<PlaceRow>(
        `SELECT u.code, u.level, u.name_zh, u.name_en, u.parent_code, p.name_zh AS parent_zh, p.name_en AS parent_en
         FROM territory_units u LEFT JOIN territory_units p ON p.code = u.parent_code
         WHERE u.level IN ('community', 'grid')
           AND (u.name_zh ILIKE $1 OR u.name_en ILIKE $1)
           AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS s(prefix) WHERE u.code LIKE s.prefix || '%')
         ORDER BY length(u.code), u.code
         LIMIT ${MAX_PLACES}`,
        [pattern, prefixes],
      ),
    );
    res.json({
      places: rows.map((row) => ({
        code: row.code,
        level: row.level,
        name: { zh: row.name_zh, en: row.name_en ?? row.name_zh },
        parent:
          row.parent_code === null
            ? null
            : {
                code: row.parent_code,
                name: { zh: row.parent_zh ?? row.parent_code, en: row.parent_en ?? row.parent_zh ?? row.parent_code },
              },
      })),
    });
  });
  return router;
}
