import { CommunityCode } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import {
  type AvailabilityInterval,
  availabilityIntervals,
  type DeviceView,
  deviceOfCommunity,
  type HealthSummary,
  healthHistory,
} from '../devices/read.js';
import { bearerToken } from '../gateways/tokens.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { openEventStream, PerUserStreams } from '../http/event-stream.js';
import { parseBody, parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { MaintenanceSettingsStore } from '../maintenance/settings.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Role } from '../people/roles.js';
import { canSeeTerritory, type Principal } from '../people/scope.js';
import { guardStreamSession, streamSessionCheck } from '../people/stream-session.js';
import { actOnAlert, alertsOfCommunity, type CommunityAlert } from './alerts.js';
import { PropertyChanges } from './changes.js';
import { kpisCsv, monthOf, propertyKpis } from './kpis.js';
import { conditionOf, type DeviceCondition, kindName, propertyOverview } from './overview.js';
import { ReadingsQuery, readingsOfDevice } from './readings.js';

/** Who reads a community's property pages: its property managers, and the dispatchers over it. */
export const PROPERTY_READERS = ['property_manager', 'operator', 'district_admin'] as const satisfies readonly Role[];

/** How much of a device's history its page shows. */
const HISTORY_LIMIT = 200;
/** Changes within this time reach an open page as one `changed` event: a full sync is one read, not hundreds. */
const COALESCE_MS = 300;
const HEARTBEAT_MS = 25_000;
/** Open property pages per user (a phone and a desk or two): a token cannot hold connections without bound. */
const STREAMS_PER_USER = 5;

/**
 * The community of the path, if the principal may read its property pages: a role above (operators,
 * district staff) or the community's own property manager. A grid worker sees their grids'
 * incidents, not the property's pages.
 */
function readable(principal: Principal, code: string): string {
  if (!CommunityCode.safeParse(code).success)
    throw new ProblemError('GL_NOT_FOUND', message('device.community_code', { community: code }));
  const reads = principal.assignments.some(
    (a) => (PROPERTY_READERS as readonly string[]).includes(a.role) && code.startsWith(a.scope),
  );
  if (!reads || !canSeeTerritory(principal, code))
    throw new ProblemError('GL_FORBIDDEN', message('device.community_outside', { community: code }));
  return code;
}

/** Acknowledging and handling are the community's property managers' own: dispatchers see, never act for them. */
function actsFor(principal: Principal, code: string): void {
  readable(principal, code);
  if (!principal.assignments.some((a) => a.role === 'property_manager' && a.scope === code))
    throw new ProblemError('GL_FORBIDDEN', message('property.alert_property_only', { community: code }));
}

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'expected a month as YYYY-MM, e.g. 2026-11' });

export const KpiQuery = z.strictObject({
  from: Month.optional().meta({ description: 'First month (China time), YYYY-MM; default five months before `to`' }),
  to: Month.optional().meta({ description: 'Last month, YYYY-MM; default the month under way' }),
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv`: a file to download' }),
});

export const AlertListQuery = z.strictObject({
  open: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((value) => value === 'true')
    .optional()
    .meta({ description: '`true`: only alerts the property has not handled yet' }),
  device: z.string().min(1).max(64).optional(),
});

export const HandleBody = z.strictObject({
  note: z
    .string({ error: 'expected what was done, as text' })
    .trim()
    .min(1, { error: 'say what was done (1 to 1000 characters)' })
    .max(1000),
});

/** Five months before `to` and `to` itself: half a year on one page. */
function defaultFrom(to: string): string {
  const [year, month] = to.split('-').map(Number) as [number, number];
  const at = new Date(Date.UTC(year, month - 6, 15));
  return at.toISOString().slice(0, 7);
}

export interface PropertyRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  logger: Logger;
  stopping(): boolean;
}

/**
 * The property manager's pages over HTTP (docs/domain.md §3, §7): the community overview (devices
 * by place, counts, offline and low-battery lists, gateway link and outbox), the community's
 * alerts with acknowledge and handle, a device's page, the property's KPIs per month with an
 * export, and a stream that says when any of it changed. Every route checks the community against
 * the caller's roles on the server.
 */
export function propertyRoutes(ctx: PropertyRoutesContext): Router {
  const { db, clock, people } = ctx;
  const router = Router();
  const settings = new MaintenanceSettingsStore(db, clock);
  const changes = new PropertyChanges(db, ctx.logger.child({ module: 'property' }));
  const auth = authenticateUser(people);
  const perUser = new PerUserStreams(STREAMS_PER_USER, 'property');

  router.get('/communities/:code/property/overview', auth, async (req: Request<{ code: string }>, res: Response) => {
    const code = readable(principalOf(res), req.params.code);
    const overview = await fromDatabase(async () => propertyOverview(db, code, await settings.get(), clock()));
    res.json(overview);
  });

  router.get('/communities/:code/alerts', auth, async (req: Request<{ code: string }>, res: Response) => {
    const code = readable(principalOf(res), req.params.code);
    const query = parseQuery(AlertListQuery, req.query);
    const alerts = await fromDatabase(() =>
      alertsOfCommunity(db, code, {
        ...(query.open === undefined ? {} : { open: query.open }),
        ...(query.device === undefined ? {} : { deviceId: query.device }),
      }),
    );
    res.json({ community: code, alerts });
  });

  for (const action of ['acknowledge', 'handle'] as const) {
    router.post(
      `/communities/:code/alerts/:gatewayId/:alertId/${action}`,
      auth,
      jsonBody(BODY_LIMIT),
      async (req: Request<{ code: string; gatewayId: string; alertId: string }>, res: Response) => {
        const principal = principalOf(res);
        const { code, gatewayId, alertId } = req.params;
        actsFor(principal, code);
        const body = action === 'handle' ? parseBody(HandleBody, req.body) : undefined;
        const alert = await fromDatabase(() =>
          actOnAlert(
            db,
            { community: code, gatewayId, alertId },
            body === undefined ? { kind: 'acknowledge' } : { kind: 'handle', note: body.note },
            principal.userId,
            clock(),
          ),
        );
        if (alert === undefined)
          throw new ProblemError(
            'GL_NOT_FOUND',
            message('property.alert_unknown', { alert: alertId, community: code }),
          );
        res.json({ alert });
      },
    );
  }

  router.get(
    '/communities/:code/property/devices/:deviceId',
    auth,
    async (req: Request<{ code: string; deviceId: string }>, res: Response) => {
      const code = readable(principalOf(res), req.params.code);
      const { deviceId } = req.params;
      const found = await fromDatabase(async (): Promise<PropertyDevicePage | undefined> => {
        const device = await deviceOfCommunity(db, code, deviceId);
        if (device === undefined) return undefined;
        const [availability, health, alerts, tickets] = await Promise.all([
          availabilityIntervals(db, code, deviceId, HISTORY_LIMIT),
          healthHistory(db, code, deviceId, HISTORY_LIMIT),
          alertsOfCommunity(db, code, { deviceId, limit: 50 }),
          ticketsOfDevice(db, code, deviceId),
        ]);
        return {
          device: { ...device, kind_name: kindName(device.device_kind), condition: conditionOf(device) },
          availability,
          health,
          alerts,
          tickets,
        };
      });
      if (found === undefined)
        throw new ProblemError('GL_NOT_FOUND', message('device.unknown', { device: deviceId, community: code }));
      res.json(found);
    },
  );

  router.get(
    '/communities/:code/property/devices/:deviceId/readings',
    auth,
    async (req: Request<{ code: string; deviceId: string }>, res: Response) => {
      const code = readable(principalOf(res), req.params.code);
      const { hours } = parseQuery(ReadingsQuery, req.query);
      const { deviceId } = req.params;
      const found = await fromDatabase(() => readingsOfDevice(db, code, deviceId, hours, clock()));
      if (found === undefined)
        throw new ProblemError('GL_NOT_FOUND', message('device.unknown', { device: deviceId, community: code }));
      res.json(found);
    },
  );

  router.get('/communities/:code/property/kpis', auth, async (req: Request<{ code: string }>, res: Response) => {
    const code = readable(principalOf(res), req.params.code);
    const query = parseQuery(KpiQuery, req.query);
    const to = query.to ?? monthOf(clock());
    const from = query.from ?? defaultFrom(to);
    if (from > to)
      throw new ProblemError('GL_VALIDATION_FAILED', message('property.months_reversed', { from, to }), [
        { parameter: 'from', detail: message('property.months_reversed', { from, to }) },
      ]);
    const months = await fromDatabase(() => propertyKpis(db, code, { from, to }, clock()));
    if (query.format === 'csv') {
      res
        .status(200)
        .set({
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="property-kpis-${code}-${from}-${to}.csv"`,
        })
        .send(kpisCsv(months));
      return;
    }
    res.json({ community: code, from, to, months });
  });

  router.get('/communities/:code/property/stream', auth, (req: Request<{ code: string }>, res: Response) => {
    const principal = principalOf(res);
    const code = readable(principal, req.params.code);
    const release = perUser.take(principal.userId);
    openEventStream(req, res);
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = changes.subscribe(code, () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        res.write('event: changed\ndata: {}\n\n');
      }, COALESCE_MS);
    });
    // `ready` once the database is listening: a change made after the page's read is never missed.
    void changes.listening().then(() => {
      if (!res.writableEnded) res.write(`retry: 5000\nevent: ready\ndata: {}\n\n`);
    });
    const token = bearerToken(req.get('authorization')) ?? '';
    const guard = guardStreamSession({
      userId: principal.userId,
      check: streamSessionCheck(people, token, principal),
      end: () => res.end(),
    });
    const heartbeat = setInterval(() => {
      if (ctx.stopping()) {
        res.end();
        return;
      }
      res.write(': heartbeat\n\n');
      guard.recheck();
    }, HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      guard.stop();
      unsubscribe();
      release();
    });
  });

  return router;
}

export interface DeviceTicket {
  id: string;
  state: string;
  category: string;
  title: string;
  created_at: string;
  closed_at: string | null;
}

/** A device's page as `GET /communities/{code}/property/devices/{deviceId}` answers it. */
export interface PropertyDevicePage {
  device: DeviceView & { kind_name: { zh: string; en: string }; condition: DeviceCondition };
  availability: AvailabilityInterval[];
  health: HealthSummary[];
  alerts: CommunityAlert[];
  tickets: DeviceTicket[];
}

async function ticketsOfDevice(db: Db, community: string, deviceId: string): Promise<DeviceTicket[]> {
  const { rows } = await db.query<{
    id: string;
    state: string;
    category_code: string;
    title: string;
    created_at: Date;
    closed_at: Date | null;
  }>(
    `SELECT id, state, category_code, title, created_at, closed_at FROM incidents
      WHERE community = $1 AND device_id = $2 AND NOT drill
      ORDER BY created_at DESC LIMIT 50`,
    [community, deviceId],
  );
  return rows.map((row) => ({
    id: row.id,
    state: row.state,
    category: row.category_code,
    title: row.title,
    created_at: row.created_at.toISOString(),
    closed_at: row.closed_at?.toISOString() ?? null,
  }));
}
