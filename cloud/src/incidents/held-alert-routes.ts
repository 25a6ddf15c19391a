import { CategoryCode, CommunityCode } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { parameterFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf, requireRole } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Role } from '../people/roles.js';
import { scopeFilter } from '../people/scope.js';
import { type HeldAlert, type HeldAlertCursor, readHeldAlerts } from './held-alerts.js';

/** Who sees held alerts: the roles with a territory (each only inside it). */
export const HELD_ALERT_READERS = [
  'district_admin',
  'operator',
  'grid_worker',
  'property_manager',
] as const satisfies readonly Role[];

/** The page cursor as the API passes it: opaque to clients (base64url of the last alert's time and id). */
const encodeCursor = (cursor: HeldAlertCursor) =>
  Buffer.from(JSON.stringify([cursor.occurredAt.toISOString(), cursor.alertId])).toString('base64url');

const Cursor = z
  .string()
  .max(400)
  .transform((text, ctx): HeldAlertCursor => {
    try {
      const [at, alertId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
      const occurredAt = new Date(String(at));
      if (typeof alertId === 'string' && typeof at === 'string' && !Number.isNaN(occurredAt.getTime()))
        return { occurredAt, alertId };
    } catch {
      // Reported below.
    }
    ctx.addIssue({ code: 'custom', message: 'not a cursor of this list: pass the `next` of the previous page as is' });
    return z.NEVER;
  });

export const HeldAlertQuery = z.strictObject({
  category: CategoryCode.optional().meta({
    description: 'This category and those below it (safety takes safety.access.door_forced)',
  }),
  community: CommunityCode.optional(),
  pending: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((value) => value === 'true')
    .optional(),
  limit: z.coerce
    .number({ error: 'expected a number from 1 to 200' })
    .int({ error: 'expected a whole number from 1 to 200' })
    .min(1, { error: 'at least 1' })
    .max(200, { error: 'at most 200: page with `after`' })
    .default(50),
  after: Cursor.optional(),
});

const toJson = (alert: HeldAlert) => ({
  alert_id: alert.alertId,
  category: alert.categoryCode,
  policy_category: alert.policyCategory,
  severity: alert.severity,
  drill: alert.drill,
  gateway_id: alert.gatewayId,
  device_id: alert.deviceId,
  community: alert.community,
  grid: alert.grid,
  building: alert.building,
  occurred_at: alert.occurredAt.toISOString(),
  recorded_at: alert.recordedAt.toISOString(),
  incident_id: alert.incidentId,
  alert: alert.data,
});

/**
 * `GET /held-alerts`: alerts recorded below their device-event policy's repeat threshold (domain
 * §7), so property managers and the centre see what is counting before it becomes an incident.
 * Filtered by the caller's territory as the incidents list is (a property manager their
 * community, a grid worker their grids, district staff and operators their territory; the place
 * is the grid the device is installed in, else its community); newest first, a page at a time.
 * Each read is audited.
 */
export function heldAlertRoutes(db: Db, clock: Clock, people: People): Router {
  const router = Router();
  router.get(
    '/held-alerts',
    authenticateUser(people),
    requireRole(...HELD_ALERT_READERS),
    async (req: Request, res: Response) => {
      const principal = principalOf(res);
      const parsed = HeldAlertQuery.safeParse(req.query, { reportInput: true });
      if (!parsed.success) {
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('request.query_invalid'),
          parameterFieldErrors(parsed.error.issues),
        );
      }
      const query = parsed.data;
      const filter = scopeFilter(principal);
      const page = await fromDatabase(async () => {
        const read = await readHeldAlerts(db, {
          ...(query.category === undefined ? {} : { category: query.category }),
          ...(query.community === undefined ? {} : { community: query.community }),
          ...(query.pending === undefined ? {} : { pending: query.pending }),
          ...(query.after === undefined ? {} : { after: query.after }),
          limit: query.limit,
          scope: {
            territoryPrefixes: [...filter.territoryPrefixes, ...filter.gridCodes, ...filter.communityCodes],
            gatewayIds: [],
          },
        });
        await writeAudit(db, {
          actor: { kind: 'user', userId: principal.userId },
          action: 'held_alerts.view',
          target: 'held_alerts',
          at: clock(),
          details: {
            category: query.category ?? null,
            community: query.community ?? null,
            pending: query.pending ?? null,
            alerts: read.alerts.length,
          },
        });
        return read;
      });
      res.json({
        held_alerts: page.alerts.map(toJson),
        next: page.next === null ? null : encodeCursor(page.next),
      });
    },
  );
  return router;
}
