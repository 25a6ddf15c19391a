import { CategoryCode } from '@gridlink/protocol';
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import {
  authenticateCaller,
  callerOfResponse,
  parseBody,
  requireReader,
  requireTenantAdmin,
  type Subject,
} from '../people/access.js';
import { writeAudit } from '../people/audit.js';
import { managerActor } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { DeviceEventPolicyBody, DeviceEventPolicyTable, DeviceEventPolicyTableBody } from './policy-table.js';

export interface DeviceEventPolicyRoutesContext {
  db: Db;
  clock: Clock;
  people: People;
  adminToken: string;
}

const WHAT: Subject = 'device_event_policies';

/**
 * The device-event policy table (docs/domain.md §7): what each category of gateway alert becomes, and the
 * repeat threshold below which alerts stay alerts. `GET /device-event-policies[/{category}]` for
 * district admins (and the admin token); `PUT` of one row or of the whole table for tenant admins
 * (the admin token or a district_admin over a whole district), audited with what was there before.
 * The alert intake reads the table for every batch: a change counts from the next alert on.
 */
export function deviceEventPolicyRoutes(ctx: DeviceEventPolicyRoutesContext): Router {
  const router = Router();
  const caller = authenticateCaller(ctx.people, ctx.adminToken);
  const readers = requireReader(WHAT, 'district_admin');
  const table = new DeviceEventPolicyTable(ctx.db, ctx.clock);

  router.get('/device-event-policies', caller, readers, async (_req: Request, res: Response) => {
    res.json({ policies: await fromDatabase(() => table.list()) });
  });

  router.put(
    '/device-event-policies',
    caller,
    readers,
    requireTenantAdmin(ctx.db, WHAT),
    jsonBody(BODY_LIMIT),
    async (req: Request, res: Response) => {
      const body = parseBody(DeviceEventPolicyTableBody, req.body);
      const actor = managerActor(callerOfResponse(res));
      const policies = await fromDatabase(() =>
        table.replace(body.policies, (tx, before, after) =>
          writeAudit(tx, {
            actor,
            action: 'device_event_policy.replace_all',
            target: 'device_event_policies',
            at: ctx.clock(),
            details: { before, after },
          }),
        ),
      );
      res.json({ policies });
    },
  );

  router.get(
    '/device-event-policies/:category',
    caller,
    readers,
    async (req: Request<{ category: string }>, res: Response) => {
      const row = await fromDatabase(() => table.get(req.params.category));
      if (row === undefined)
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('policy.no_row', { category: req.params.category, fallback: 'auto_incident', method: 'PUT' }),
        );
      res.json(row);
    },
  );

  router.put(
    '/device-event-policies/:category',
    caller,
    readers,
    requireTenantAdmin(ctx.db, WHAT),
    jsonBody(BODY_LIMIT),
    async (req: Request<{ category: string }>, res: Response) => {
      const category = CategoryCode.safeParse(req.params.category);
      if (!category.success)
        throw new ProblemError('GL_VALIDATION_FAILED', message('category.not_a_code', { code: req.params.category }), [
          { parameter: 'category', detail: message('category.code_form', { example: 'safety.fire_lane' }) },
        ]);
      const body = parseBody(DeviceEventPolicyBody, req.body);
      const actor = managerActor(callerOfResponse(res));
      const { before, after } = await fromDatabase(() =>
        ctx.db.transaction(async (tx) => {
          const before = await table.get(category.data, tx);
          const after = await table.put(category.data, body, tx);
          await writeAudit(tx, {
            actor,
            action: before === undefined ? 'device_event_policy.create' : 'device_event_policy.update',
            target: `device_event_policy:${category.data}`,
            at: ctx.clock(),
            details: { before: before ?? null, after },
          });
          return { before, after };
        }),
      );
      res.status(before === undefined ? 201 : 200).json(after);
    },
  );

  return router;
}
