import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { bearerToken } from '../gateways/tokens.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { parseBody } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { isApiToken } from './api-tokens.js';
import { logDigest } from './log-digest.js';
import { authenticateUser, principalOf } from './middleware.js';
import type { People } from './people.js';
import { scopeFilter } from './scope.js';
import { normalizeUsername } from './sessions.js';

export const Login = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

const CHALLENGE = { 'www-authenticate': 'Bearer' };

/** Logging in and out, refreshing a session, and `GET /me`. */
export function sessionRoutes(people: People, logger: Logger, logKey: string): Router {
  const router = Router();
  // A username that failed is often a password typed in the wrong field: the log gets a keyed
  // digest, which an administrator (who holds the key) can match against a name, and nobody else.
  const usernameDigest = (username: string) => logDigest(logKey, normalizeUsername(username));

  const session = async (token: string, expiresAt: Date, userId: string) => {
    const user = await fromDatabase(() => people.users.get(userId));
    return { token, expires_at: expiresAt.toISOString(), user };
  };

  router.post('/sessions', jsonBody(BODY_LIMIT), async (req: Request, res: Response) => {
    const { username, password } = parseBody(Login, req.body);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const result = await fromDatabase(() => people.sessions.login(username, password, address));
    if (!result.ok && result.reason === 'address') {
      logger.info({ address }, 'login refused: too many attempts from this address');
      throw new ProblemError(
        'GL_LOGIN_THROTTLED',
        message('login.throttled_address', { seconds: result.retryAfterSeconds }),
        undefined,
        { 'retry-after': String(result.retryAfterSeconds) },
      );
    }
    if (!result.ok && result.reason === 'busy') {
      logger.warn({ address }, 'login refused: too many password checks at once');
      throw new ProblemError('GL_LOGIN_BUSY', message('login.busy', { seconds: result.retryAfterSeconds }), undefined, {
        'retry-after': String(result.retryAfterSeconds),
      });
    }
    if (!result.ok && result.reason === 'locked') {
      logger.info({ username: usernameDigest(username), address }, 'login refused: too many failures');
      throw new ProblemError(
        'GL_LOGIN_THROTTLED',
        message('login.throttled_username', { seconds: result.retryAfterSeconds }),
        undefined,
        { 'retry-after': String(result.retryAfterSeconds) },
      );
    }
    if (!result.ok) {
      logger.info({ username: usernameDigest(username), address }, 'login failed');
      throw new ProblemError('GL_LOGIN_FAILED', message('login.failed'), undefined, CHALLENGE);
    }
    logger.info({ user: result.userId }, 'user logged in');
    res.status(201).json(await session(result.token, result.expiresAt, result.userId));
  });

  /**
   * A live API token is no session: refreshing would turn it into one, and logging out is revoking
   * it (403). Any other token goes on to be looked up as a session (401 when it is none).
   */
  const notASession = async (token: string | undefined) => {
    if (token === undefined || !isApiToken(token)) return;
    const check = await fromDatabase(() => people.apiTokens.authenticate(token, false));
    if (check.ok) throw new ProblemError('GL_FORBIDDEN', message('api_token.not_for_sessions'));
  };

  router.post('/sessions/refresh', async (req: Request, res: Response) => {
    const token = bearerToken(req.get('authorization'));
    await notASession(token);
    const refreshed = token === undefined ? undefined : await fromDatabase(() => people.sessions.refresh(token));
    if (refreshed === undefined) {
      throw new ProblemError('GL_UNAUTHENTICATED', message('session.ended'), undefined, CHALLENGE);
    }
    res.status(200).json(await session(refreshed.token, refreshed.expiresAt, refreshed.userId));
  });

  router.delete('/sessions/current', async (req: Request, res: Response) => {
    const token = bearerToken(req.get('authorization'));
    await notASession(token);
    const ended = token === undefined ? false : await fromDatabase(() => people.sessions.logout(token));
    if (!ended) {
      throw new ProblemError('GL_UNAUTHENTICATED', message('session.already_ended'), undefined, CHALLENGE);
    }
    res.status(204).end();
  });

  router.get('/me', authenticateUser(people), async (_req: Request, res: Response) => {
    const principal = principalOf(res);
    const user = await fromDatabase(() => people.users.get(principal.userId));
    res.json({ ...user, scope: scopeFilter(principal) });
  });

  return router;
}
