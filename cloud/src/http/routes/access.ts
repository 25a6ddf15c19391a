import { parseWith } from '@gridlink/protocol';
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { bearerToken, secretsEqual } from '../../gateways/tokens.js';
import { type Manager, principalFromRequest } from '../../people/middleware.js';
import type { People } from '../../people/people.js';
import type { Role } from '../../people/roles.js';
import { hasRole } from '../../people/scope.js';
import { issuesToErrors, ProblemError } from '../problems.js';

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
 * Whether the caller may change tenant-wide settings (one row for the whole deployment): the admin
 * token, or a `district_admin` over a whole district (a 6-digit scope). A street admin's changes
 * would reach districts and streets beyond their territory, so they only read.
 */
export function isTenantAdmin(caller: Caller): boolean {
  return (
    caller.kind === 'admin' ||
    caller.principal.assignments.some((a) => a.role === 'district_admin' && /^\d{6}$/.test(a.scope))
  );
}

/** Middleware after {@link authenticateCaller}: 403 unless the caller may change tenant-wide settings. */
export function requireTenantAdmin(what: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (!isTenantAdmin(callerOfResponse(res))) {
      throw new ProblemError(
        'GL_FORBIDDEN',
        `changing ${what} needs the admin token or the role district_admin over a whole district (a 6-digit scope)`,
      );
    }
    next();
  };
}

/** Middleware after {@link authenticateCaller}: 403 unless the admin token or one of `roles`. */
export function requireReader(what: string, ...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const caller = callerOfResponse(res);
    if (caller.kind === 'user' && !hasRole(caller.principal, ...roles)) {
      throw new ProblemError('GL_FORBIDDEN', `reading ${what} needs the role ${roles.join(' or ')}`);
    }
    next();
  };
}

/** The body parsed by `schema`, or a 400 problem naming each field (JSON Pointer) and what it expects. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = parseWith(schema, body, what);
  if (!parsed.ok) {
    throw new ProblemError('GL_VALIDATION_FAILED', parsed.error.message, issuesToErrors(parsed.error.issues));
  }
  return parsed.value;
}
