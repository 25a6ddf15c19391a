import type { NextFunction, Request, Response } from 'express';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import type { Actor } from './audit.js';
import type { People } from './people.js';
import type { Role } from './roles.js';
import { administers, hasRole, type Principal } from './scope.js';

const CHALLENGE = { 'www-authenticate': 'Bearer' };

function unauthenticated(detail: Message): ProblemError {
  return new ProblemError('GL_UNAUTHENTICATED', detail, undefined, CHALLENGE);
}

/** Who may manage users, units and rosters: the administrators (admin token) or a district/street admin. */
export type Manager = { kind: 'admin' } | { kind: 'user'; principal: Principal };

export function managerActor(manager: Manager): Actor {
  return manager.kind === 'admin' ? { kind: 'admin' } : { kind: 'user', userId: manager.principal.userId };
}

/** Whether `manager` may change things in territory `code`. */
export function managesTerritory(manager: Manager, code: string): boolean {
  return manager.kind === 'admin' || administers(manager.principal, code);
}

/** Resolves a bearer session token to its principal and session id; 401 when there is none, or it ended. */
export async function sessionFromRequest(
  req: Request,
  people: People,
): Promise<{ principal: Principal; sessionId: string }> {
  const token = bearerToken(req.get('authorization'));
  if (token === undefined) throw unauthenticated(message('session.missing'));
  const found = await fromDatabase(async () => {
    const session = await people.sessions.authenticate(token);
    const principal = session === undefined ? undefined : await people.users.principal(session.userId);
    return principal === undefined || session === undefined ? undefined : { principal, sessionId: session.sessionId };
  });
  if (found === undefined) throw unauthenticated(message('session.ended'));
  return found;
}

/** Resolves a bearer session token to its principal; 401 when there is none, or it ended. */
export async function principalFromRequest(req: Request, people: People): Promise<Principal> {
  return (await sessionFromRequest(req, people)).principal;
}

/**
 * Middleware: the request's session resolved to a principal, kept in `res.locals.principal`, and
 * the session's id in `res.locals.sessionId`.
 */
export function authenticateUser(people: People) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { principal, sessionId } = await sessionFromRequest(req, people);
    res.locals.principal = principal;
    res.locals.sessionId = sessionId;
    next();
  };
}

/** The id of the session {@link authenticateUser} resolved. */
export function sessionIdOf(res: Response): string {
  const sessionId = res.locals.sessionId as string | undefined;
  if (sessionId === undefined) throw new Error('sessionIdOf needs authenticateUser before it');
  return sessionId;
}

/** The principal {@link authenticateUser} resolved. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (principal === undefined) throw new Error('principalOf needs authenticateUser before it');
  return principal;
}

/** Middleware after {@link authenticateUser}: 403 unless the principal holds one of `roles`. */
export function requireRole(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (!hasRole(principalOf(res), ...roles)) {
      throw new ProblemError('GL_FORBIDDEN', message('access.needs_role', { roles }));
    }
    next();
  };
}

/**
 * Middleware: the admin token (compared in constant time) or the session of a `district_admin`,
 * kept in `res.locals.manager`. Other sessions are 403; no token or an unknown one 401.
 */
export function authenticateManager(people: People, adminToken: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token !== undefined && secretsEqual(token, adminToken)) {
      res.locals.manager = { kind: 'admin' } satisfies Manager;
      next();
      return;
    }
    const principal = await principalFromRequest(req, people);
    if (!hasRole(principal, 'district_admin')) {
      throw new ProblemError('GL_FORBIDDEN', message('access.needs_admin'));
    }
    res.locals.principal = principal;
    res.locals.manager = { kind: 'user', principal } satisfies Manager;
    next();
  };
}

export function managerOf(res: Response): Manager {
  const manager = res.locals.manager as Manager | undefined;
  if (manager === undefined) throw new Error('managerOf needs authenticateManager before it');
  return manager;
}
