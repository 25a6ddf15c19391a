import { randomBytes } from 'node:crypto';
import type { ServiceRole } from '../devices/directory.js';

export interface ConsoleSession {
  username: string;
  role: ServiceRole;
  expiresAt: number;
}

export const SESSION_COOKIE = 'gridlink_console';

/**
 * Console sign-ins, one per browser, held in memory: a gateway restart signs everyone out, which
 * suits a console used for an afternoon of commissioning. The store is bounded: past `max`, the
 * session closest to expiry goes first.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 1000,
  ) {}

  create(username: string, role: ServiceRole): { token: string; session: ConsoleSession } {
    this.prune();
    while (this.sessions.size >= this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    const token = randomBytes(32).toString('base64url');
    const session = { username, role, expiresAt: this.now() + this.ttlMs };
    this.sessions.set(token, session);
    return { token, session };
  }

  /** The live session for `token`; an expired one is removed and not returned. */
  get(token: string | undefined): ConsoleSession | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  end(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [token, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(token);
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
