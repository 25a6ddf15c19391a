import type { NextFunction, Request, Response } from 'express';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import { type ApiTokenRefusal, isApiToken } from './api-tokens.js';
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

/**
 * What authenticated a request: a login session, or an API token of an integration (a user's
 * long-lived token; it acts with exactly that user's roles). `id` is the session's or the token's id.
 */
export type Credential = { kind: 'session'; id: string } | { kind: 'api_token'; id: string };

function apiTokenRefusal(refusal: ApiTokenRefusal): Message {
  switch (refusal.reason) {
    case 'revoked':
      return message('api_token.revoked', { at: refusal.at.toISOString() });
    case 'expired':
      return message('api_token.expired', { at: refusal.at.toISOString() });
    case 'user_inactive':
      return message('api_token.user_inactive');
    default:
      return message('api_token.unknown');
  }
}

/**
 * Resolves a bearer session token or API token to its principal and credential; 401 when there is
 * none, or it ended (an API token's answer says why: unknown, revoked, expired, user deactivated).
 */
export async function credentialFromRequest(
  req: Request,
  people: People,
): Promise<{ principal: Principal; credential: Credential }> {
  const token = bearerToken(req.get('authorization'));
  if (token === undefined) throw unauthenticated(message('session.missing'));
  if (isApiToken(token)) {
    const check = await fromDatabase(() => people.apiTokens.authenticate(token));
    if (!check.ok) throw unauthenticated(apiTokenRefusal(check));
    const principal = await fromDatabase(() => people.users.principal(check.userId));
    if (principal === undefined) throw unauthenticated(message('api_token.user_inactive'));
    return { principal, credential: { kind: 'api_token', id: check.tokenId } };
  }
  const found = await fromDatabase(async () => {
    const session = await people.sessions.authenticate(token);
    const principal = session === undefined ? undefined : await people.users.principal(session.userId);
    return principal === undefined || session === undefined ? undefined : { principal, sessionId: session.sessionId };
  });
  if (found === undefined) throw unauthenticated(message('session.ended'));
  return { principal: found.principal, credential: { kind: 'session', id: found.sessionId } };
}

/**
 * Resolves a bearer session token or API token to its principal and the id of that session or
 * token (links signed for it work while it is live); 401 when there is none, or it ended.
 */
export async function sessionFromRequest(
  req: Request,
  people: People,
): Promise<{ principal: Principal; sessionId: string }> {
  const { principal, credential } = await credentialFromRequest(req, people);
  return { principal, sessionId: credential.id };
}

/** Resolves a bearer session token or API token to its principal; 401 when there is none, or it ended. */
export async function principalFromRequest(req: Request, people: People): Promise<Principal> {
  return (await sessionFromRequest(req, people)).principal;
}

/**
 * Middleware: the request's session or API token resolved to a principal, kept in
 * `res.locals.principal`, the credential in `res.locals.credential` and its id in `res.locals.sessionId`.
 */
export function authenticateUser(people: People) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const { principal, credential } = await credentialFromRequest(req, people);
    res.locals.principal = principal;
    res.locals.sessionId = credential.id;
    res.locals.credential = credential;
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
 * Middleware: the admin token (compared in constant time) or the session (or API token) of a
 * `district_admin`, kept in `res.locals.manager` (and the credential in `res.locals.credential`).
 * Other sessions are 403; no token or an unknown one 401.
 */
export function authenticateManager(people: People, adminToken: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token !== undefined && secretsEqual(token, adminToken)) {
      res.locals.manager = { kind: 'admin' } satisfies Manager;
      next();
      return;
    }
    const { principal, credential } = await credentialFromRequest(req, people);
    if (!hasRole(principal, 'district_admin')) {
      throw new ProblemError('GL_FORBIDDEN', message('access.needs_admin'));
    }
    res.locals.principal = principal;
    res.locals.credential = credential;
    res.locals.manager = { kind: 'user', principal } satisfies Manager;
    next();
  };
}

/**
 * 403 when the request came with an API token: what a token must not do (log in, change a
 * password, make more tokens) needs a session, so a leaked token cannot make itself permanent.
 */
export function refuseApiToken(res: Response, refusal: Message, pointer?: string): void {
  const credential = res.locals.credential as Credential | undefined;
  if (credential?.kind === 'api_token') {
    throw new ProblemError('GL_FORBIDDEN', refusal, pointer === undefined ? undefined : [{ pointer, detail: refusal }]);
  }
}

export function managerOf(res: Response): Manager {
  const manager = res.locals.manager as Manager | undefined;
  if (manager === undefined) throw new Error('managerOf needs authenticateManager before it');
  return manager;
}
