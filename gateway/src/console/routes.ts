import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Names, profileOf } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { hashPassword, verifyPassword } from '../credentials/password.js';
import type { ServiceRole } from '../devices/directory.js';
import { type DeviceRegistry, type RegisteredDevice, RegistryError } from '../registry/index.js';
import type { EventStream } from './event-stream.js';
import type { DeviceLive } from './live-status.js';
import type { LoginThrottle } from './login-throttle.js';
import type { ConsoleOverview } from './overview.js';
import { type ConsoleSession, type ConsoleSessions, cookieValue, SESSION_COOKIE } from './sessions.js';

export interface ConsoleRoutesOptions {
  registry: DeviceRegistry;
  sessions: ConsoleSessions;
  throttle: LoginThrottle;
  stream: EventStream;
  overview: () => Promise<ConsoleOverview>;
  availability: (deviceId: string) => 'online' | 'offline' | 'unknown';
  live: (deviceId: string) => DeviceLive;
  /** Session lifetime, for the cookie's Max-Age. */
  sessionTtlMs: number;
  /** The console is served over HTTPS: the cookie is Secure. */
  secure: boolean;
  logger: Logger;
}

/** A device as the console lists it: its registry row and what the gateway last heard of it. */
export interface ConsoleDevice extends RegisteredDevice, DeviceLive {
  availability: 'online' | 'offline' | 'unknown' | 'retired';
  /** The kind's name in both languages (门磁 / Door contact). */
  kindName: Names;
}

/** A registry row as the console shows it, with what the gateway last heard of the device. */
export function consoleDevice(
  record: RegisteredDevice,
  live: DeviceLive,
  availability: 'online' | 'offline' | 'unknown',
): ConsoleDevice {
  return {
    ...record,
    ...live,
    kindName: profileOf(record.kind).name,
    availability: record.status === 'retired' ? 'retired' : availability,
  };
}

const MAX_BODY_BYTES = 16 * 1024;

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' })
    .end(JSON.stringify({ type: `urn:gridlink:problem:${code}`, title: code, status, detail, code }));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('the request body is over 16 KiB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new BadRequest('the request body is not a JSON object');
  }
}

class BadRequest extends Error {}

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

type Handler = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  session: ConsoleSession;
  address: string;
  params: string[];
}) => Promise<void> | void;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Changes something: installers only. */
  change: boolean;
  handle: Handler;
}

/**
 * The installer console's API under `/api/console/`: sign-in and sign-out, then, for a session
 * only, the overview, the live event stream and the devices. Every route but sign-in refuses
 * without a session (401); every change refuses an observer (403). The pages only hide buttons;
 * the refusal is here.
 */
export function consoleRoutes(options: ConsoleRoutesOptions) {
  const { registry, sessions, throttle, stream, logger } = options;

  const cookie = (token: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${options.secure ? '; Secure' : ''}`;

  const device = (record: RegisteredDevice): ConsoleDevice =>
    consoleDevice(record, options.live(record.id), options.availability(record.id));

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

  const routes: Route[] = [
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
      handle: ({ req, res, session, address }) => {
        sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
        if (session.role === 'installer') audit(session, address, 'logout');
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
      pattern: /^\/api\/console\/devices$/,
      change: false,
      handle: ({ res }) => json(res, 200, { devices: registry.list().map(device) }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/audit$/,
      change: false,
      handle: ({ res }) => json(res, 200, { entries: registry.auditLog(200) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/tags$/,
      change: true,
      handle: async ({ req, res, session, address, params }) => {
        const id = decodeURIComponent(params[0] ?? '');
        const body = await readJson(req);
        const tags = body.tags;
        if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
          throw new BadRequest('send {"tags": ["elderly_alone", …]}: the device’s whole tag list');
        }
        const updated = registry.setTags(id, tags as string[]);
        audit(session, address, 'device.tags', id, updated.tags.join(','));
        json(res, 200, { device: device(updated) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/retire$/,
      change: true,
      handle: async ({ req, res, session, address, params }) => {
        const id = decodeURIComponent(params[0] ?? '');
        const body = await readJson(req);
        const reason = typeof body.reason === 'string' ? body.reason.slice(0, 200) : undefined;
        const retired = registry.retire(id, reason);
        audit(session, address, 'device.retire', id, reason);
        json(res, 200, { device: device(retired) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/devices\/([^/]+)\/password$/,
      change: true,
      handle: async ({ res, session, address, params }) => {
        const id = decodeURIComponent(params[0] ?? '');
        const issued = await registry.rotatePassword(id);
        // The password is in this answer only: the audit log says it was rotated, never what to.
        audit(session, address, 'device.rotate_password', id);
        json(res, 200, { device: device(issued.device), password: issued.password });
      },
    },
  ];

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
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith('/api/console/')) return false;
    const address = req.socket.remoteAddress ?? 'unknown';
    try {
      if (req.method === 'POST' && !sameOrigin(req)) {
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
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        if (req.method !== route.method) {
          problem(res, 405, 'GL_METHOD_NOT_ALLOWED', `use ${route.method}`);
          return true;
        }
        if (route.change && session.role !== ('installer' satisfies ServiceRole)) {
          problem(res, 403, 'GL_FORBIDDEN', 'observers see the console but change nothing');
          return true;
        }
        await route.handle({ req, res, session, address, params: match.slice(1) });
        return true;
      }
      problem(res, 404, 'GL_NOT_FOUND', `no console route ${path}`);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else if (err instanceof BadRequest) problem(res, 400, 'GL_BAD_REQUEST', err.message);
      else if (err instanceof RegistryError) {
        const status = err.code === 'not_found' ? 404 : err.code === 'invalid' ? 400 : 409;
        problem(res, status, `GL_REGISTRY_${err.code.toUpperCase()}`, err.message);
      } else {
        logger.error({ err, path }, 'a console request failed');
        problem(res, 500, 'GL_INTERNAL', 'the request failed; the error is in the gateway log');
      }
    }
    return true;
  }

  /** Every route behind the session, with a path that matches it (the sweep tests walk them all). */
  const listed = routes.map((route) => ({
    method: route.method,
    path: route.pattern.source.replace(/^\^/, '').replace(/\$$/, '').replaceAll('\\/', '/').replaceAll('([^/]+)', 'x'),
    change: route.change,
  }));
  return Object.assign(handle, { routes: listed });
}
