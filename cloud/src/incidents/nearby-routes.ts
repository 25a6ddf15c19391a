import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { languageOfRequest } from '../http/language.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { scopeFilter } from '../people/scope.js';
import { toWgs84 } from '../territory/index.js';
import { localIncident } from './localize.js';
import { NearbyQuery, readNearby } from './nearby.js';

/** One incident of `GET /incidents/nearby`. */
export interface NearbyItem {
  id: string;
  title: string;
  state: string;
  category: string;
  severity: string;
  occurrences: number;
  address: string | null;
  created_at: Date;
  distance_m: number;
  same_category: boolean;
  position_from: 'incident' | 'building';
}

/** The answer of `GET /incidents/nearby`. */
export interface NearbyAnswer {
  radius_m: number;
  since: Date;
  incidents: NearbyItem[];
}

/**
 * `GET /incidents/nearby` (before `/incidents/{id}`, which would take "nearby" for an id): the
 * duplicates a street report's form suggests. Only incidents the caller's scope holds are listed,
 * and the search is audited (it tells where the caller stands).
 */
export function nearbyRoutes(db: Db, clock: Clock, people: People): Router {
  const router = Router();
  router.get('/incidents/nearby', authenticateUser(people), async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const parsed = NearbyQuery.safeParse(req.query, { reportInput: true });
    if (!parsed.success) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('request.query_invalid'),
        parameterFieldErrors(parsed.error.issues),
      );
    }
    const query = parsed.data;
    const center = toWgs84({ lon: query.lon, lat: query.lat }, query.crs);
    const since = new Date(clock().getTime() - query.within_hours * 3600_000);
    const found = await fromDatabase(() =>
      readNearby(
        db,
        center,
        { radiusM: query.radius_m, since, category: query.category, limit: query.limit },
        scopeFilter(principal),
      ),
    );
    await fromDatabase(() =>
      writeAudit(db, {
        actor: { kind: 'user', userId: principal.userId },
        action: 'incident.nearby',
        target: 'incidents',
        details: { radius_m: query.radius_m, found: found.map((item) => item.incident.id) },
        at: clock(),
      }),
    );
    const language = languageOfRequest(req);
    const answer: NearbyAnswer = {
      radius_m: query.radius_m,
      since,
      incidents: found.map((item): NearbyItem => {
        const incident = localIncident(item.incident, language);
        return {
          id: incident.id,
          title: incident.title,
          state: incident.state,
          category: incident.categoryCode,
          severity: incident.severity,
          occurrences: incident.occurrences,
          address: incident.place.address,
          created_at: incident.createdAt,
          distance_m: item.distanceM,
          same_category: item.sameCategory,
          position_from: item.positionFrom,
        };
      }),
    };
    res.json(answer);
  });
  return router;
}
