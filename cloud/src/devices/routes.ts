import { CommunityCode, GatewayId } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/db.js';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { fromDatabase } from '../http/database.js';
import { parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { principalFromRequest } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { canSeeTerritory, type Principal, scopeFilter } from '../people/scope.js';
import {
  availabilityIntervals,
  deviceOfCommunity,
  devicesOfCommunity,
  devicesOfGateway,
  gatewayCommunity,
  healthHistory,
  latestGatewayHealth,
} from './read.js';

/** How much history one device's page shows: its latest availability changes and health summaries. */
export const DEVICE_HISTORY_LIMIT = 200;

/** Who asks: the administrators (the admin token) or a signed-in user. */
type Reader = { kind: 'admin' } | { kind: 'user'; principal: Principal };

async function readerOf(req: Request, people: People, adminToken: string): Promise<Reader> {
  const token = bearerToken(req.get('authorization'));
  if (token !== undefined && secretsEqual(token, adminToken)) return { kind: 'admin' };
  return { kind: 'user', principal: await principalFromRequest(req, people) };
}

export const DeviceListQuery = z.strictObject({
  status: z.enum(['active', 'retired', 'missing']).optional().meta({
    description: 'Only devices in this state (`missing`: left out of the gateway’s last full sync)',
  }),
});

/**
 * The devices the cloud knows of, as their gateways report them (cloud/src/devices/projection.ts):
 * per community for whoever sees the community (district staff and operators over it, its property
 * managers, grid workers of its grids see only their grids' devices), per gateway also for the
 * gateway's installers; the admin token sees all.
 */
export function deviceRoutes(db: Db, people: People, adminToken: string): Router {
  const router = Router();

  router.get('/communities/:code/devices', async (req: Request<{ code: string }>, res: Response) => {
    const reader = await readerOf(req, people, adminToken);
    const code = CommunityCode.safeParse(req.params.code);
    if (!code.success)
      throw new ProblemError('GL_NOT_FOUND', message('device.community_code', { community: req.params.code }));
    const query = parseQuery(DeviceListQuery, req.query);
    const all = await fromDatabase(() => devicesOfCommunity(db, code.data, query));
    const devices = reader.kind === 'admin' ? all : visibleTo(reader.principal, all);
    if (reader.kind === 'user' && devices.length === 0 && !seesSomeOf(reader.principal, code.data)) {
      throw new ProblemError('GL_FORBIDDEN', message('device.community_outside', { community: code.data }));
    }
    res.json({ community: code.data, devices });
  });

  router.get(
    '/communities/:code/devices/:deviceId',
    async (req: Request<{ code: string; deviceId: string }>, res: Response) => {
      const reader = await readerOf(req, people, adminToken);
      const { code, deviceId } = req.params;
      const notFound = () =>
        new ProblemError('GL_NOT_FOUND', message('device.unknown', { device: deviceId, community: code }));
      if (!CommunityCode.safeParse(code).success) throw notFound();
      const device = await fromDatabase(() => deviceOfCommunity(db, code, deviceId));
      // A device outside the caller's territory is as good as unknown.
      if (device === undefined || (reader.kind === 'user' && visibleTo(reader.principal, [device]).length === 0)) {
        throw notFound();
      }
      const [availability, health] = await fromDatabase(() =>
        Promise.all([
          availabilityIntervals(db, code, deviceId, DEVICE_HISTORY_LIMIT),
          healthHistory(db, code, deviceId, DEVICE_HISTORY_LIMIT),
        ]),
      );
      res.json({ device, availability, health });
    },
  );

  router.get('/gateways/:id/devices', async (req: Request<{ id: string }>, res: Response) => {
    const reader = await readerOf(req, people, adminToken);
    const notFound = () =>
      new ProblemError('GL_GATEWAY_NOT_FOUND', message('gateway.unknown', { gateway: req.params.id }));
    if (!GatewayId.safeParse(req.params.id).success) throw notFound();
    const gatewayId = req.params.id;
    const query = parseQuery(DeviceListQuery, req.query);
    const community = await fromDatabase(() => gatewayCommunity(db, gatewayId));
    if (community === undefined) throw notFound();
    if (reader.kind === 'user') {
      const installs = scopeFilter(reader.principal).gatewayIds.includes(gatewayId);
      // Outside the caller's scope a gateway is as good as unknown: its existence is not told.
      if (!installs && (community === null || !canSeeTerritory(reader.principal, community))) throw notFound();
    }
    const [devices, health] = await fromDatabase(() =>
      Promise.all([devicesOfGateway(db, gatewayId, query), latestGatewayHealth(db, gatewayId)]),
    );
    res.json({ gateway_id: gatewayId, community, health, devices });
  });

  return router;
}

/** A grid worker sees the devices placed in their grids; wider roles see the whole community. */
function visibleTo<T extends { community: string; place: unknown }>(principal: Principal, devices: T[]): T[] {
  return devices.filter((device) => {
    const grid = (device.place as { grid?: string } | null)?.grid;
    return canSeeTerritory(principal, device.community) || (grid !== undefined && canSeeTerritory(principal, grid));
  });
}

/** Whether any of the principal's territory lies in the community (a grid worker of one of its grids). */
function seesSomeOf(principal: Principal, community: string): boolean {
  if (canSeeTerritory(principal, community)) return true;
  return scopeFilter(principal).gridCodes.some((grid) => grid.startsWith(community));
}
