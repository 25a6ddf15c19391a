import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody, parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { whyNotManaged } from './managed-user.js';
import {
  authenticateManager,
  type Manager,
  managerActor,
  managerOf,
  managesTerritory,
  principalFromRequest,
  refuseApiToken,
} from './middleware.js';
import { passwordRefusal } from './passwords.js';
import type { People } from './people.js';
import {
  ENTITY_ID,
  GridCode,
  type RoleAssignment,
  RoleAssignmentInput,
  Role as RoleName,
  scopeRefusal,
  TerritoryCode,
} from './roles.js';
import { GRID_POSITIONS } from './rosters.js';
import { canSeeTerritory, scopeFilter } from './scope.js';
import type { User } from './users.js';

/** A refused password as a zod issue: the English for the log, the message for the reader. */
function refusePassword(ctx: z.RefinementCtx, refusal: Message, path?: string[]): void {
  ctx.addIssue({
    code: 'custom',
    ...(path ? { path } : {}),
    message: render(refusal, 'en'),
    params: { said: refusal },
  });
}

const Password = z.string().superRefine((value, ctx) => {
  const refusal = passwordRefusal(value);
  if (refusal !== undefined) refusePassword(ctx, refusal);
});
/** The rule the CLI applies as well: a password containing the username is refused. */
function passwordNamesUser(password: string, username: string, ctx: z.RefinementCtx): void {
  // The shared check's own length and list rules are reported by Password already; only this one adds.
  if (passwordRefusal(password) !== undefined) return;
  const refusal = passwordRefusal(password, username);
  if (refusal !== undefined) refusePassword(ctx, refusal, ['password']);
}

const Username = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, {
  error: 'expected 2-64 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
});
const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

export const NewUserBody = z
  .strictObject({
    username: Username,
    display_name: z.string().min(1).max(200),
    territory_code: TerritoryCode,
    password: Password,
    roles: z.array(RoleAssignmentInput).max(100).optional(),
  })
  .superRefine((body, ctx) => passwordNamesUser(body.password, body.username, ctx));
export const UserChangeBody = z.strictObject({
  display_name: z.string().min(1).max(200).optional(),
  active: z.boolean().optional(),
  password: Password.optional(),
});
export const NewDisposalUnitBody = z.strictObject({
  id: z.string().regex(ENTITY_ID, { error: 'expected 1-63 of a-z, 0-9 and "-", starting with a letter or digit' }),
  name_zh: z.string().min(1).max(200),
  name_en: z.string().min(1).max(200),
  unit_type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected a snake_case unit type' }),
  territory_code: TerritoryCode,
});
export const DisposalUnitChangeBody = z.strictObject({
  name_zh: z.string().min(1).max(200).optional(),
  name_en: z.string().min(1).max(200).optional(),
  unit_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected a snake_case unit type' })
    .optional(),
});
/** A window of the roster calendar: `from` before `to`, at most 62 days (a month view and its edges). */
export const RosterWindowQuery = z
  .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .refine((w) => Date.parse(w.to) > Date.parse(w.from), { message: 'to must be after from', path: ['to'] })
  .refine((w) => Date.parse(w.to) - Date.parse(w.from) <= 62 * 86_400_000, {
    message: 'at most 62 days from from to to',
    path: ['to'],
  });
export const GridMemberBody = z.strictObject({ position: z.enum(GRID_POSITIONS) });
export const DutyPeriodBody = z
  .strictObject({ user_id: z.string().min(1).max(64), starts_at: Instant, ends_at: Instant })
  .refine((p) => p.ends_at > p.starts_at, { message: 'ends_at must be after starts_at', path: ['ends_at'] });
export const LeaveBody = z
  .strictObject({
    starts_at: Instant,
    ends_at: Instant,
    substitute_user_id: z.string().min(1).max(64).optional(),
  })
  .refine((p) => p.ends_at > p.starts_at, { message: 'ends_at must be after starts_at', path: ['ends_at'] });

/** A roster row's id from the path; undefined when it cannot be one (the route answers 404 naming it). */
function rowId(param: string): number | undefined {
  return /^[1-9]\d{0,14}$/.test(param) ? Number(param) : undefined;
}

/** Store work for a request: a refusal of the module (PeopleError) keeps its code; anything else is a 503. */
const run = fromDatabase;

function forbidden(detail: Message): ProblemError {
  return new ProblemError('GL_FORBIDDEN', detail);
}

/**
 * User management, disposal units and rosters. Changes need the admin token or a
 * `district_admin` session over the territory concerned; each is written to the audit log.
 */
export function peopleRoutes(people: People, adminToken: string, clock: Clock, logger: Logger): Router {
  const router = Router();
  const manager = authenticateManager(people, adminToken);

  /** The admin token, or any session (for reads filtered by what the caller may see). */
  const viewer = async (req: Request): Promise<Manager> => {
    const token = bearerToken(req.get('authorization'));
    if (token !== undefined && secretsEqual(token, adminToken)) return { kind: 'admin' };
    return { kind: 'user', principal: await principalFromRequest(req, people) };
  };

  /** 403 unless `m` may give or take `assignment`. */
  const checkAssignment = async (m: Manager, assignment: RoleAssignment) => {
    const refusal = scopeRefusal(assignment.role, assignment.scope);
    if (refusal !== undefined)
      throw new ProblemError('GL_VALIDATION_FAILED', refusal, [{ pointer: '/scope', detail: refusal }]);
    if (assignment.role === 'disposal_unit') {
      const unit = await run(() => people.units.get(assignment.scope));
      if (unit === undefined)
        throw new ProblemError('GL_DISPOSAL_UNIT_NOT_FOUND', message('unit.unknown', { id: assignment.scope }));
      if (!managesTerritory(m, unit.territory_code)) {
        throw forbidden(message('unit.outside_territory', { id: unit.id, territory: unit.territory_code }));
      }
      return;
    }
    if (assignment.role === 'installer') {
      if (m.kind !== 'admin') throw forbidden(message('people.installers_by_admin'));
      return;
    }
    if (!managesTerritory(m, assignment.scope)) {
      throw forbidden(message('territory.outside_yours_to_manage', { territory: assignment.scope }));
    }
  };

  const unitTerritory = async (unitId: string) => (await run(() => people.units.get(unitId)))?.territory_code;

  /**
   * The user of `:id`, if `m` manages it: 404 unknown, 403 when the user's home or any of the
   * user's roles lies outside the caller's territory.
   */
  const managedUser = async (m: Manager, id: string) => {
    const user = await run(() => people.users.get(id));
    if (user === undefined) throw new ProblemError('GL_USER_NOT_FOUND', message('user.unknown', { id }));
    const refusal = await whyNotManaged(m, user, unitTerritory);
    if (refusal !== undefined) throw forbidden(refusal);
    return user;
  };

  /**
   * A substitute takes the absent worker's incidents, so it must be someone the caller manages (as
   * the worker) who lives where the worker serves: in the community of one of the worker's grids,
   * or, for a worker without grids, inside the worker's own community (or wider home).
   */
  const checkSubstitute = async (m: Manager, worker: User, substituteId: string) => {
    const substitute = await run(() => people.users.get(substituteId));
    const field = [{ pointer: '/substitute_user_id', detail: message('user.named', { id: substituteId }) }];
    if (substitute === undefined)
      throw new ProblemError(
        'GL_USER_NOT_FOUND',
        message('user.unknown_in', { id: substituteId, field: 'substitute_user_id' }),
        field,
      );
    const refusal = await whyNotManaged(m, substitute, unitTerritory);
    if (refusal !== undefined)
      throw new ProblemError(
        'GL_FORBIDDEN',
        message('field.said', { field: 'substitute_user_id', said: refusal }),
        field,
      );
    const grids = worker.roles.filter((r) => r.role === 'grid_worker').map((r) => r.scope.slice(0, 12));
    const served = grids.length > 0 ? grids : [worker.territory_code.slice(0, 12)];
    if (!served.some((community) => substitute.territory_code.startsWith(community))) {
      throw new ProblemError(
        'GL_FORBIDDEN',
        message('field.said', {
          field: 'substitute_user_id',
          said: message('people.substitute_elsewhere', {
            id: substituteId,
            territory: substitute.territory_code,
            served,
            worker: worker.id,
          }),
        }),
        field,
      );
    }
  };

  const managedGrid = (req: Request<{ code: string }>, res: Response, next: NextFunction) => {
    const code = req.params.code;
    if (!GridCode.safeParse(code).success) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('grid.code_received', { code }), [
        { parameter: 'code', detail: message('check.grid_code') },
      ]);
    }
    if (!managesTerritory(managerOf(res), code))
      throw forbidden(message('territory.grid_outside_yours', { grid: code }));
    next();
  };

  router.post('/users', manager, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const m = managerOf(res);
    // A new user's password would let whoever holds a token sign in as someone: that needs a session.
    refuseApiToken(res, message('api_token.not_for_passwords'), '/password');
    const body = parseBody(NewUserBody, req.body);
    if (!managesTerritory(m, body.territory_code))
      throw forbidden(message('territory.outside_yours_to_manage', { territory: body.territory_code }));
    for (const assignment of body.roles ?? []) await checkAssignment(m, assignment);
    const user = await run(() => people.users.create(managerActor(m), body));
    logger.info({ user: user.id, by: managerActor(m) }, 'user created');
    res.status(201).location(`/api/v1/users/${user.id}`).json(user);
  });

  router.get('/users', async (req: Request, res: Response) => {
    const v = await viewer(req);
    const territory = req.query.territory;
    if (territory !== undefined && (typeof territory !== 'string' || !TerritoryCode.safeParse(territory).success)) {
      throw new ProblemError(
        'GL_VALIDATION_FAILED',
        message('territory.parameter_not_a_code', { parameter: 'territory' }),
        [{ parameter: 'territory', detail: message('territory.code_expected') }],
      );
    }
    let prefixes: string[] | undefined;
    if (v.kind === 'admin') prefixes = territory === undefined ? undefined : [territory];
    else if (territory !== undefined) {
      if (!canSeeTerritory(v.principal, territory))
        throw forbidden(message('territory.outside_visible', { territory }));
      prefixes = [territory];
    } else {
      const filter = scopeFilter(v.principal);
      prefixes = [...filter.territoryPrefixes, ...filter.gridCodes, ...filter.communityCodes];
    }
    res.json({ users: await run(() => people.users.list(prefixes)) });
  });

  router.patch('/users/:id', manager, jsonBody(BODY_LIMIT), async (req: Request<{ id: string }>, res: Response) => {
    const m = managerOf(res);
    const user = await managedUser(m, req.params.id);
    const change = parseBody(UserChangeBody, req.body);
    if (change.password !== undefined) {
      refuseApiToken(res, message('api_token.not_for_passwords'), '/password');
      const refusal = passwordRefusal(change.password, user.username);
      if (refusal !== undefined) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('user.change_invalid', { refusal }), [
          { pointer: '/password', detail: refusal },
        ]);
      }
    }
    res.json(await run(() => people.users.update(managerActor(m), req.params.id, change)));
  });

  router.post(
    '/users/:id/roles',
    manager,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const m = managerOf(res);
      await managedUser(m, req.params.id);
      const assignment = parseBody(RoleAssignmentInput, req.body);
      await checkAssignment(m, assignment);
      const { created } = await run(() => people.users.assign(managerActor(m), req.params.id, assignment));
      res.status(created ? 201 : 200).json({ user_id: req.params.id, ...assignment });
    },
  );

  router.delete(
    '/users/:id/roles/:role/:scope',
    manager,
    async (req: Request<{ id: string; role: string; scope: string }>, res: Response) => {
      const m = managerOf(res);
      await managedUser(m, req.params.id);
      const role = RoleName.safeParse(req.params.role);
      if (!role.success) {
        throw new ProblemError('GL_VALIDATION_FAILED', message('role.unknown', { role: req.params.role }), [
          { parameter: 'role', detail: message('role.not_a_role') },
        ]);
      }
      const assignment = { role: role.data, scope: req.params.scope };
      await checkAssignment(m, assignment);
      const revoked = await run(() => people.users.revoke(managerActor(m), req.params.id, assignment));
      if (!revoked)
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('role.not_held', { id: req.params.id, role: role.data, scope: req.params.scope }),
        );
      res.status(204).end();
    },
  );

  router.post(
    '/users/:id/leaves',
    manager,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const m = managerOf(res);
      const worker = await managedUser(m, req.params.id);
      const body = parseBody(LeaveBody, req.body);
      if (body.substitute_user_id !== undefined) await checkSubstitute(m, worker, body.substitute_user_id);
      const leave = await run(() =>
        people.rosters.addLeave(managerActor(m), {
          userId: req.params.id,
          startsAt: body.starts_at,
          endsAt: body.ends_at,
          substituteUserId: body.substitute_user_id,
        }),
      );
      res.status(201).json(leave);
    },
  );

  router.delete(
    '/users/:id/leaves/:leaveId',
    manager,
    async (req: Request<{ id: string; leaveId: string }>, res: Response) => {
      const m = managerOf(res);
      await managedUser(m, req.params.id);
      const leaveId = rowId(req.params.leaveId);
      if (leaveId === undefined) {
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('roster.leave_unknown', { id: req.params.leaveId, user: req.params.id }),
        );
      }
      res.json(await run(() => people.rosters.cancelLeave(managerActor(m), req.params.id, leaveId)));
    },
  );

  router.post('/disposal-units', manager, jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const m = managerOf(res);
    const body = parseBody(NewDisposalUnitBody, req.body);
    if (!managesTerritory(m, body.territory_code))
      throw forbidden(message('territory.outside_yours_to_manage', { territory: body.territory_code }));
    const unit = await run(() => people.units.create(managerActor(m), body));
    res.status(201).location(`/api/v1/disposal-units/${unit.id}`).json(unit);
  });

  router.get('/disposal-units', async (req: Request, res: Response) => {
    const v = await viewer(req);
    const prefixes = v.kind === 'admin' ? undefined : scopeFilter(v.principal).territoryPrefixes;
    res.json({ disposal_units: await run(() => people.units.list(prefixes)) });
  });

  router.patch(
    '/disposal-units/:id',
    manager,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const m = managerOf(res);
      const change = parseBody(DisposalUnitChangeBody, req.body);
      const unit = await run(() => people.units.get(req.params.id));
      if (unit === undefined)
        throw new ProblemError('GL_DISPOSAL_UNIT_NOT_FOUND', message('unit.unknown', { id: req.params.id }));
      if (!managesTerritory(m, unit.territory_code))
        throw forbidden(message('unit.outside_territory', { id: unit.id, territory: unit.territory_code }));
      res.json(await run(() => people.units.update(managerActor(m), req.params.id, change)));
    },
  );

  /** 400 for a malformed grid code, 403 unless the caller sees the grid (admin token: every grid). */
  const visibleGrid = (v: Manager, code: string) => {
    if (!GridCode.safeParse(code).success) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('grid.code_received', { code }), [
        { parameter: 'code', detail: message('check.grid_code') },
      ]);
    }
    if (v.kind === 'user' && !canSeeTerritory(v.principal, code))
      throw forbidden(message('territory.grid_outside_visible', { grid: code }));
  };

  router.get('/grids/:code/members', async (req: Request<{ code: string }>, res: Response) => {
    visibleGrid(await viewer(req), req.params.code);
    const [members, name] = await run(() =>
      Promise.all([people.rosters.membersNamed(req.params.code), people.rosters.gridName(req.params.code)]),
    );
    res.json({ grid_code: req.params.code, name: name ?? null, members });
  });

  router.get('/grids/:code/duty-periods', async (req: Request<{ code: string }>, res: Response) => {
    visibleGrid(await viewer(req), req.params.code);
    const window = parseQuery(RosterWindowQuery, req.query);
    const [from, to] = [new Date(window.from), new Date(window.to)];
    const [periods, leaves] = await run(() =>
      Promise.all([
        people.rosters.dutyPeriods(req.params.code, from, to),
        people.rosters.leavesOfGrid(req.params.code, from, to),
      ]),
    );
    res.json({ grid_code: req.params.code, duty_periods: periods, leaves });
  });

  router.put(
    '/grids/:code/members/:userId',
    manager,
    managedGrid,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ code: string; userId: string }>, res: Response) => {
      const m = managerOf(res);
      const { position } = parseBody(GridMemberBody, req.body);
      // A member works the grid's incidents: someone the caller manages, living in the grid's community.
      const member = await managedUser(m, req.params.userId);
      const community = req.params.code.slice(0, 12);
      if (!member.territory_code.startsWith(community)) {
        throw forbidden(
          message('grid.member_elsewhere', {
            id: member.id,
            territory: member.territory_code,
            community,
            grid: req.params.code,
          }),
        );
      }
      res.json(
        await run(() => people.rosters.setMember(managerActor(m), req.params.code, req.params.userId, position)),
      );
    },
  );

  router.delete(
    '/grids/:code/members/:userId',
    manager,
    managedGrid,
    async (req: Request<{ code: string; userId: string }>, res: Response) => {
      const removed = await run(() =>
        people.rosters.removeMember(managerActor(managerOf(res)), req.params.code, req.params.userId),
      );
      if (!removed) {
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('grid.not_member', { id: req.params.userId, grid: req.params.code }),
        );
      }
      res.status(204).end();
    },
  );

  router.post(
    '/grids/:code/duty-periods',
    manager,
    managedGrid,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ code: string }>, res: Response) => {
      const body = parseBody(DutyPeriodBody, req.body);
      const period = await run(() =>
        people.rosters.addDutyPeriod(managerActor(managerOf(res)), {
          gridCode: req.params.code,
          userId: body.user_id,
          startsAt: body.starts_at,
          endsAt: body.ends_at,
        }),
      );
      res.status(201).json(period);
    },
  );

  router.delete(
    '/grids/:code/duty-periods/:periodId',
    manager,
    managedGrid,
    async (req: Request<{ code: string; periodId: string }>, res: Response) => {
      const periodId = rowId(req.params.periodId);
      if (periodId === undefined) {
        throw new ProblemError(
          'GL_NOT_FOUND',
          message('roster.duty_period_unknown', { id: req.params.periodId, grid: req.params.code }),
        );
      }
      res.json(
        await run(() => people.rosters.removeDutyPeriod(managerActor(managerOf(res)), req.params.code, periodId)),
      );
    },
  );

  router.get('/grids/:code/on-duty', async (req: Request<{ code: string }>, res: Response) => {
    const v = await viewer(req);
    const code = req.params.code;
    if (!GridCode.safeParse(code).success) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('grid.code_received', { code }), [
        { parameter: 'code', detail: message('check.grid_code') },
      ]);
    }
    if (v.kind === 'user' && !canSeeTerritory(v.principal, code))
      throw forbidden(message('territory.grid_outside_visible', { grid: code }));
    const at = req.query.at;
    const instant = at === undefined ? undefined : Instant.safeParse(at);
    if (instant !== undefined && !instant.success) {
      throw new ProblemError('GL_VALIDATION_FAILED', message('time.parameter_not_a_time', { parameter: 'at' }), [
        { parameter: 'at', detail: message('expect.datetime_offset') },
      ]);
    }
    const when = instant?.data ?? clock();
    const found = await run(() => people.rosters.onDutyFor(code, when));
    res.json({ grid_code: code, at: when.toISOString(), on_duty: found ?? null });
  });

  return router;
}
