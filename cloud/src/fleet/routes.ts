import { CommunityCode, GatewayId } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { fromDatabase } from '../http/database.js';
import { parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { repeatOffenders } from '../maintenance/offenders.js';
import { MaintenanceSettingsStore } from '../maintenance/settings.js';
import { principalFromRequest } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { canSeeTerritory, scopeFilter } from '../people/scope.js';
import { type FleetGateway, type FleetScope, fleetGateways, type GatewayHistory, gatewayHistory } from './read.js';
import { byTrouble, DEFAULT_THRESHOLDS, type TroubleThresholds } from './trouble.js';

/** `GET /fleet/gateways`: every gateway in the reader's scope, trouble first. */
export interface FleetList {
  gateways: FleetGateway[];
  thresholds: TroubleThresholds;
  as_of: string;
}

/** `GET /fleet/gateways/{id}`: one gateway and its history. */
export interface FleetGatewayPage extends GatewayHistory {
  gateway: FleetGateway;
  thresholds: TroubleThresholds;
  since: string;
  as_of: string;
}

export const GatewayHistoryQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(30).default(7).meta({ description: 'How many days of history (1–30)' }),
});

const DAY = 86_400_000;

/**
 * The gateway fleet (docs/domain.md §7, community operations): district and street administrators
 * and operators see the gateways of the communities under their territory, installers the
 * gateways they install, the admin token all; anyone else is refused. Repeat offenders of a
 * community for whoever sees the community.
 */
export function fleetRoutes(db: Db, people: People, adminToken: string, clock: Clock): Router {
  const router = Router();
  const settings = new MaintenanceSettingsStore(db, clock);

  async function scopeOf(req: Request): Promise<FleetScope> {
    const token = bearerToken(req.get('authorization'));
    if (token !== undefined && secretsEqual(token, adminToken)) return { all: true };
    const filter = scopeFilter(await principalFromRequest(req, people));
    if (filter.territoryPrefixes.length === 0 && filter.gatewayIds.length === 0)
      throw new ProblemError('GL_FORBIDDEN', message('fleet.not_allowed'));
    return { all: false, territoryPrefixes: filter.territoryPrefixes, gatewayIds: filter.gatewayIds };
  }

  async function thresholds(): Promise<TroubleThresholds> {
    const current = await settings.get();
    return { ...DEFAULT_THRESHOLDS, silentMinutes: current.gateway_silent_minutes };
  }

  router.get('/fleet/gateways', async (req: Request, res: Response) => {
    const scope = await scopeOf(req);
    const now = clock();
    const limits = await fromDatabase(thresholds);
    const gateways = await fromDatabase(() => fleetGateways(db, scope, limits, now));
    const body: FleetList = { gateways: gateways.sort(byTrouble), thresholds: limits, as_of: now.toISOString() };
    res.json(body);
  });

  router.get('/fleet/gateways/:id', async (req: Request<{ id: string }>, res: Response) => {
    const scope = await scopeOf(req);
    const query = parseQuery(GatewayHistoryQuery, req.query);
    // Outside the reader's scope a gateway is as good as unknown: its existence is not told.
    const notFound = () =>
      new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: req.params.id }));
    if (!GatewayId.safeParse(req.params.id).success) throw notFound();
    const now = clock();
    const limits = await fromDatabase(thresholds);
    const [gateway] = await fromDatabase(() => fleetGateways(db, scope, limits, now, req.params.id));
    if (gateway === undefined) throw notFound();
    const since = new Date(now.getTime() - query.days * DAY);
    const history = await fromDatabase(() =>
      gatewayHistory(db, gateway.gateway_id, since, Math.max(limits.linkDownMinutes, 2 * 5)),
    );
    const body: FleetGatewayPage = {
      gateway,
      ...history,
      thresholds: limits,
      since: since.toISOString(),
      as_of: now.toISOString(),
    };
    res.json(body);
  });

  router.get(
    '/communities/:code/maintenance/repeat-offenders',
    async (req: Request<{ code: string }>, res: Response) => {
      const token = bearerToken(req.get('authorization'));
      const admin = token !== undefined && secretsEqual(token, adminToken);
      const code = CommunityCode.safeParse(req.params.code);
      if (!code.success)
        throw new ProblemError('GL_NOT_FOUND', message('device.community_code', { community: req.params.code }));
      if (!admin && !canSeeTerritory(await principalFromRequest(req, people), code.data))
        throw new ProblemError('GL_FORBIDDEN', message('device.community_outside', { community: code.data }));
      const now = clock();
      const { repeat_window_days } = await fromDatabase(() => settings.get());
      const devices = await fromDatabase(() => repeatOffenders(db, code.data, repeat_window_days, now));
      res.json({ community: code.data, window_days: repeat_window_days, devices });
    },
  );

  return router;
}
