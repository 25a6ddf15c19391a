import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { hashPassword, verifyPassword } from '../credentials/password.js';
import type { ServiceRole } from '../devices/directory.js';
import { type DeviceRegistry, RegistryError } from '../registry/index.js';
import type { EventStream } from './event-stream.js';
import { BadRequest, ConsoleProblem, type ConsoleRoute, json, problem, readJson } from './http-kit.js';
import type { LoginThrottle } from './login-throttle.js';
import type { ConsoleOverview } from './overview.js';
import { type ConsoleSession, type ConsoleSessions, cookieValue, SESSION_COOKIE } from './sessions.js';

export interface ConsoleRoutesOptions {
  registry: DeviceRegistry;
  sessions: ConsoleSessions;
  throttle: LoginThrottle;
  stream: EventStream;
  overview: () => Promise<ConsoleOverview>;
  /** Each feature's own routes (devices, cameras, rules, outbox…), behind the same session check. */
  features: ConsoleRoute[];
  /** Session lifetime, for the cookie's Max-Age. */
  sessionTtlMs: number;
  /** The console is served over HTTPS: the cookie is Secure. */
  secure: boolean;
  logger: Logger;
}

/**
 * A POST from another site's page: refused even though the SameSite=Strict cookie would not be
 * sent with it (defence in depth; a browser always sends Origin on a cross-site POST).
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A hash no password matches, verified for unknown accounts so their refusals take as long. */
const NO_ACCOUNT = hashPassword('no such account, never matched');

/**
 * The installer console's API under `/api/console/`: sign-in and sign-out, the session, the
 * overview, the live event stream and the audit log, then each feature's routes. Every route but
 * sign-in refuses without a session (401); every change refuses an observer (403). The pages only
 * hide buttons; the refusal is here.
 */
export function consoleRoutes(options: ConsoleRoutesOptions) {
  const { registry, sessions, throttle, stream, logger } = options;

  const cookie = (token: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${options.secure ? '; Secure' : ''}`;

  const audit = (session: ConsoleSession, address: string, action: string, target?: string, detail?: string) => {
    const entry = registry.audit({
      username: session.username,
      role: session.role,
      address,
      action,
      ...(target !== undefined ? { target } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });
    stream.send('audit', entry);
  };

  const core: ConsoleRoute[] = [
    {
      method: 'GET',
      pattern: /^\/api\/console\/session$/,
      change: false,
      handle: ({ res, session }) => json(res, 200, { username: session.username, role: session.role }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/logout$/,
      change: false,
      handle: ({ req, res, session, audit }) => {
        sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
        if (session.role === 'installer') audit('logout');
        json(res, 200, { ok: true }, { 'set-cookie': cookie('', 0) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/overview$/,
      change: false,
      handle: async ({ res }) => json(res, 200, await options.overview()),
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/events$/,
      change: false,
      handle: ({ req, res }) => {
        const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
        if (!stream.open(res, () => sessions.get(token) !== undefined)) {
          problem(res, 503, 'GL_TOO_MANY_STREAMS', 'too many console windows are open');
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/audit$/,
      change: false,
      handle: ({ res }) => json(res, 200, { entries: registry.auditLog(200) }),
    },
  ];
  const routes = [...core, ...options.features];

  const login = async (req: IncomingMessage, res: ServerResponse, address: string) => {
    const body = await readJson(req);
    const username = typeof body.username === 'string' ? body.username.slice(0, 64) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 256) : '';
    if (!username || !password) throw new BadRequest('send {"username": …, "password": …}');
    const account = registry.service(username);
    const stored = account?.passwordHash ?? (await NO_ACCOUNT);
    const verified = await throttle.check(address, username, () => verifyPassword(password, stored));
    if (verified === 'throttled') {
      logger.warn({ address, username }, 'console sign-in throttled');
      res.setHeader('retry-after', '60');
      return problem(res, 429, 'GL_TOO_MANY_ATTEMPTS', 'too many failed sign-ins: wait a minute and try again');
    }
    if (!verified || !account) {
      logger.warn({ address, username }, 'console sign-in refused');
      return problem(res, 401, 'GL_BAD_CREDENTIALS', 'wrong account name or password');
    }
    // An integrator's password lives in a Node-RED flow: it opens the broker to its grants, never the console.
    if (account.role === 'integrator') {
      logger.warn({ address, username }, 'console sign-in refused: an integrator account');
      return problem(
        res,
        403,
        'GL_NOT_A_CONSOLE_ACCOUNT',
        'an integrator account is for MQTT (Node-RED) only: sign in with an installer or observer account',
      );
    }
    const { token, session } = sessions.create(account.username, account.role);
    if (account.role === 'installer') audit(session, address, 'login');
    logger.info({ address, username, role: account.role }, 'console sign-in');
    json(
      res,
      200,
      { username: session.username, role: session.role },
      { 'set-cookie': cookie(token, Math.floor(options.sessionTtlMs / 1000)) },
    );
  };

  /** Answers a request under `/api/console/`; false when the path is not the console's. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    if (!path.startsWith('/api/console/')) return false;
    const address = req.socket.remoteAddress ?? 'unknown';
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) {
        problem(res, 403, 'GL_CROSS_ORIGIN', 'a change must come from the console’s own pages');
        return true;
      }
      if (path === '/api/console/login') {
        if (req.method !== 'POST') problem(res, 405, 'GL_METHOD_NOT_ALLOWED', 'sign in with POST');
        else await login(req, res, address);
        return true;
      }
      const session = sessions.get(cookieValue(req.headers.cookie, SESSION_COOKIE));
      if (!session) {
        problem(res, 401, 'GL_UNAUTHENTICATED', 'sign in first');
        return true;
      }
      const matching = routes.filter((route) => route.pattern.test(path));
      if (matching.length === 0) {
        problem(res, 404, 'GL_NOT_FOUND', `no console route ${path}`);
        return true;
      }
      const route = matching.find((candidate) => candidate.method === req.method);
      if (!route) {
        problem(res, 405, 'GL_METHOD_NOT_ALLOWED', `use ${matching.map((m) => m.method).join(' or ')}`);
        return true;
      }
      if (route.change && session.role !== ('installer' satisfies ServiceRole)) {
        problem(res, 403, 'GL_FORBIDDEN', 'observers see the console but change nothing');
        return true;
      }
      const params = (route.pattern.exec(path) ?? []).slice(1).map((part) => decodeURIComponent(part ?? ''));
      await route.handle({
        req,
        res,
        session,
        address,
        params,
        query: new URLSearchParams(search),
        audit: (action, target, detail) => audit(session, address, action, target, detail),
      });
    } catch (err) {
      if (res.headersSent) res.destroy();
      else if (err instanceof BadRequest) problem(res, 400, 'GL_BAD_REQUEST', err.message);
      else if (err instanceof ConsoleProblem) problem(res, err.status, err.code, err.message);
      else if (err instanceof RegistryError) {
        const status = err.code === 'not_found' ? 404 : err.code === 'invalid' ? 400 : 409;
        problem(res, status, `GL_REGISTRY_${err.code.toUpperCase()}`, err.message);
      } else if (err instanceof URIError) problem(res, 400, 'GL_BAD_REQUEST', 'the path is not valid percent-encoding');
      else {
        logger.error({ err, path }, 'a console request failed');
        problem(res, 500, 'GL_INTERNAL', 'the request failed; the error is in the gateway log');
      }
    }
    return true;
  }

  /** Every route behind the session, with a path that matches it (the sweep tests walk them all). */
  const listed = routes.map((route) => ({
    method: route.method,
    path: route.pattern.source
      .replace(/^\^/, '')
      .replace(/\$$/, '')
      .replaceAll('\\/', '/')
      .replaceAll('\\.', '.')
      .replaceAll('([^/]+)', 'x'),
    change: route.change,
  }));
  return Object.assign(handle, { routes: listed });
}
