import type { NextFunction, Request, Response } from 'express';
import type { Queryable } from '../db/db.js';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import { type Manager, principalFromRequest } from './middleware.js';
import type { People } from './people.js';
import type { Role } from './roles.js';
import { hasRole } from './scope.js';

/**
 * Who calls an administration route: the administrators (the admin token) or a signed-in user.
 * The same shape as a people-route {@link Manager}, so `managerActor` and `managesTerritory` apply.
 */
export type Caller = Manager;

/** The admin token (compared in constant time), else the session's principal; 401 without either. */
export async function callerOf(req: Request, people: People, adminToken: string): Promise<Caller> {
  const token = bearerToken(req.get('authorization'));
  if (token !== undefined && secretsEqual(token, adminToken)) return { kind: 'admin' };
  return { kind: 'user', principal: await principalFromRequest(req, people) };
}

/** Middleware: the caller, kept in `res.locals.caller`. */
export function authenticateCaller(people: People, adminToken: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.caller = await callerOf(req, people, adminToken);
    next();
  };
}

export function callerOfResponse(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (caller === undefined) throw new Error('callerOfResponse needs authenticateCaller before it');
  return caller;
}

/**
 * The districts this deployment serves, as far as its data says: those of the territory on record,
 * of every user's home and territory role, and of every disposal unit. Tenant-wide settings reach
 * all of them.
 */
export async function tenantDistricts(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ district: string }>(
    `SELECT DISTINCT left(code, 6) AS district FROM (
       SELECT code FROM territory_units
       UNION ALL SELECT territory_code FROM users
       UNION ALL SELECT scope FROM role_assignments WHERE scope ~ '^[0-9]{6}'
       UNION ALL SELECT territory_code FROM disposal_units
     ) AS codes ORDER BY district`,
  );
  return rows.map((row) => row.district);
}

/**
 * Why the caller may not change tenant-wide settings (one row for the whole deployment), or
 * undefined when it may: the admin token, or a `district_admin` over every district the
 * deployment serves ({@link tenantDistricts}; a whole-district scope each). There is no territory
 * above a district, so in a deployment of one district its district admins are the tenant's; where
 * it serves several, one district's admin would change the others' settings, so only the admin
 * token (or someone made admin of each district) changes them. Street admins only read.
 */
export async function whyNotTenantAdmin(db: Queryable, caller: Caller): Promise<Message | undefined> {
  if (caller.kind === 'admin') return undefined;
  const own = caller.principal.assignments
    .filter((a) => a.role === 'district_admin' && /^\d{6}$/.test(a.scope))
    .map((a) => a.scope);
  if (own.length === 0) return message('access.tenant_admin_whole_district');
  const beyond = (await tenantDistricts(db)).filter((district) => !own.includes(district));
  if (beyond.length === 0) return undefined;
  return message('access.tenant_admin_every_district', { districts: beyond });
}

/** What a tenant-wide route reads or changes, named in its refusals (a word of the `subject` vocabulary). */
export type Subject =
  | 'deadline_settings'
  | 'incident_settings'
  | 'kpi_settings'
  | 'maintenance_settings'
  | 'session_settings'
  | 'dispatch_settings'
  | 'patrol_settings'
  | 'categories'
  | 'time_limits'
  | 'device_event_policies';

/** Middleware after {@link authenticateCaller}: 403 unless the caller may change tenant-wide settings. */
export function requireTenantAdmin(db: Queryable, what: Subject) {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const refusal = await fromDatabase(() => whyNotTenantAdmin(db, callerOfResponse(res)));
    if (refusal !== undefined)
      throw new ProblemError('GL_FORBIDDEN', message('access.change_needs', { what, needs: refusal }));
    next();
  };
}

/** Middleware after {@link authenticateCaller}: 403 unless the admin token or one of `roles`. */
export function requireReader(what: Subject, ...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const caller = callerOfResponse(res);
    if (caller.kind === 'user' && !hasRole(caller.principal, ...roles)) {
      throw new ProblemError('GL_FORBIDDEN', message('access.read_needs', { what, roles }));
    }
    next();
  };
}

export { parseBody } from '../http/field-errors.js';
