import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { scopeFilter } from '../people/scope.js';
import { BoundariesQuery, levelBelow, readBoundaries } from './boundaries.js';

/**
 * `GET /territory/boundaries?within=&level=&at=&simplify=`: the areas of one level under a unit, in
 * force at a time, as GeoJSON for the maps (the command centre's, the territory page's).
 *
 * Scope: a territory the caller sees in full answers in full; one that holds part of the caller's
 * (a grid worker asking for their community's grids) answers with that part only; one that shares
 * nothing with the caller's is refused (403), so a wrong `within` is told apart from an empty one.
 */
export function territoryBoundaryRoutes(db: Db, clock: Clock, people: People): Router {
  const router = Router();
  router.get('/territory/boundaries', authenticateUser(people), async (req: Request, res: Response) => {
    const parsed = BoundariesQuery.safeParse(req.query, { reportInput: true });
    if (!parsed.success) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('request.query_invalid'),
        parameterFieldErrors(parsed.error.issues),
      );
    }
    const { within, at, simplify } = parsed.data;
    const level = parsed.data.level ?? levelBelow(within);
    if (level === undefined) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('territory.nothing_below', { parameter: 'within', territory: within }),
      );
    }
    const filter = scopeFilter(principalOf(res));
    const mine = [...filter.territoryPrefixes, ...filter.gridCodes, ...filter.communityCodes];
    // Everything under `within` when it lies in the caller's territory; else the caller's units inside it.
    const visible = mine.some((prefix) => within.startsWith(prefix))
      ? [within]
      : mine.filter((prefix) => prefix.startsWith(within));
    if (visible.length === 0) {
      throw new ProblemError('GL_FORBIDDEN', message('territory.outside_yours', { territory: within }));
    }
    const answer = await fromDatabase(() =>
      readBoundaries(
        db,
        {
          within,
          level,
          at: at === undefined ? clock() : new Date(at),
          ...(simplify ? { simplifyMetres: simplify } : {}),
        },
        visible,
      ),
    );
    res.json(answer);
  });
  return router;
}
