import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { DEFAULT_THRESHOLDS } from '../fleet/trouble.js';
import { fromDatabase } from '../http/database.js';
import { parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { KpiSettingsStore } from '../kpi/settings.js';
import { MaintenanceSettingsStore } from '../maintenance/settings.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import { LightMemo, type LightSchedulesOf } from './light-memo.js';
import { commandCentreOverview } from './overview.js';
import { type CommandCentreOverview, CommandCentreQuery } from './schema.js';

/** The roles the command screen is for: they watch a whole territory. */
export const COMMAND_CENTRE_ROLES = ['district_admin', 'operator'] as const;

/**
 * The territories the caller's screen shows: a district admin's or operator's territory (others
 * are refused, 403), narrowed to `territory` when asked — which must lie inside it, or hold part of it.
 */
export function commandCentreScope(principal: Principal, territory: string | undefined): string[] {
  const own = scopeFilter(principal).territoryPrefixes;
  if (own.length === 0)
    throw new ProblemError('GL_FORBIDDEN', message('command_centre.needs_role', { roles: [...COMMAND_CENTRE_ROLES] }));
  if (territory === undefined) return own;
  if (own.some((prefix) => territory.startsWith(prefix))) return [territory];
  const inside = own.filter((prefix) => prefix.startsWith(territory));
  if (inside.length === 0) throw new ProblemError('GL_FORBIDDEN', message('territory.outside_scope', { territory }));
  return inside;
}

/** `GET /command-centre/overview`: the district command screen (指挥大屏) in one read. */
export function commandCentreRoutes(
  db: Db,
  clock: Clock,
  people: People,
  schedulesOf: LightSchedulesOf | undefined,
): Router {
  const router = Router();
  const kpiSettings = new KpiSettingsStore(db, clock);
  const maintenance = new MaintenanceSettingsStore(db, clock);
  const lights = schedulesOf && new LightMemo(schedulesOf);
  router.use('/command-centre', authenticateUser(people));

  router.get('/command-centre/overview', async (req: Request, res: Response) => {
    const query = parseQuery(CommandCentreQuery, req.query);
    const territories = commandCentreScope(principalOf(res), query.territory);
    const now = clock();
    const [kpiPolicy, settings] = await fromDatabase(() => Promise.all([kpiSettings.policy(), maintenance.get()]));
    const overview: CommandCentreOverview = await fromDatabase(() =>
      commandCentreOverview(db, {
        territories,
        now,
        kpiPolicy,
        thresholds: { ...DEFAULT_THRESHOLDS, silentMinutes: settings.gateway_silent_minutes },
        lightsOf: lights && ((incidents, now) => lights.lightsOf(db, incidents, now)),
      }),
    );
    // A screen on the wall polls this: never a stale copy from a cache in between.
    res.set('cache-control', 'no-store').json(overview);
  });
  return router;
}
