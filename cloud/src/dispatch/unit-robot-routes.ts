import { type Request, type Response, Router } from 'express';
import { jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { bodyFieldErrors } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateCaller, type Caller, callerOfResponse } from '../people/access.js';
import { managerActor, managesTerritory } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { type DispatchStore, RobotList } from './store.js';

/**
 * `GET|PUT /disposal-units/{id}/robots`: the WeCom/DingTalk group robots a disposal unit's
 * dispatches are posted to. District admins over the unit's territory (and the admin token) read
 * and replace them; the unit's own users read them. Webhooks and secrets are write-only: answers
 * say whether they are set, and the audit log records "set", "kept" or "cleared", never the value.
 */
export function unitRobotRoutes(people: People, adminToken: string, store: DispatchStore): Router {
  const router = Router();
  const caller = authenticateCaller(people, adminToken);

  const unitFor = async (c: Caller, id: string, change: boolean) => {
    const unit = await fromDatabase(() => people.units.get(id));
    if (unit === undefined) throw new ProblemError('GL_DISPOSAL_UNIT_NOT_FOUND', message('unit.unknown', { id }));
    if (managesTerritory(c, unit.territory_code)) return unit;
    const ownUnit =
      c.kind === 'user' && c.principal.assignments.some((a) => a.role === 'disposal_unit' && a.scope === unit.id);
    if (!change && ownUnit) return unit;
    throw new ProblemError(
      'GL_FORBIDDEN',
      message(change ? 'robot.unit_changers' : 'robot.unit_readers', { id, territory: unit.territory_code }),
    );
  };

  router.get('/disposal-units/:id/robots', caller, async (req: Request<{ id: string }>, res: Response) => {
    const unit = await unitFor(callerOfResponse(res), req.params.id, false);
    const robots = await fromDatabase(() => store.robotViews({ kind: 'disposal_unit', id: unit.id }));
    res.json({ disposal_unit: unit.id, robots });
  });

  router.put(
    '/disposal-units/:id/robots',
    caller,
    jsonBody('64kb'),
    async (req: Request<{ id: string }>, res: Response) => {
      const c = callerOfResponse(res);
      const unit = await unitFor(c, req.params.id, true);
      // Not parseBody: its errors quote what arrived, and a malformed webhook is still a secret.
      const parsed = RobotList.safeParse(req.body);
      if (!parsed.success) {
        throw new ProblemError(
          'GL_VALIDATION_FAILED',
          message('robot.list_invalid'),
          bodyFieldErrors(parsed.error.issues),
        );
      }
      const { robots } = parsed.data;
      // An invalid robot (DispatchError) goes to the error handler as the validation failure it is.
      const stored = await fromDatabase(() =>
        store.replaceRobots(managerActor(c), { kind: 'disposal_unit', id: unit.id }, robots),
      );
      res.json({ disposal_unit: unit.id, robots: stored });
    },
  );

  return router;
}
