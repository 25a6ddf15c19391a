import { isApiToken } from './api-tokens.js';
import type { People } from './people.js';
import type { Principal } from './scope.js';
import type { SessionSignals } from './session-signals.js';

/** The user of a live API token, without recording a use (a held stream is not a new request). */
async function apiTokenUser(people: People, token: string): Promise<string | undefined> {
  const check = await people.apiTokens.authenticate(token, false);
  return check.ok ? check.userId : undefined;
}

/** What a held stream learns when it checks its session again. */
export type StreamSessionState = 'live' | 'ended' | 'unknown';

const sameRoles = (a: Principal, b: Principal) =>
  a.territoryCode === b.territoryCode &&
  JSON.stringify(a.assignments.map((r) => `${r.role}@${r.scope}`).sort()) ===
    JSON.stringify(b.assignments.map((r) => `${r.role}@${r.scope}`).sort());

/**
 * Checks a held stream's session (or API token) as a new request would be checked, without sliding its expiry
 * (an open page alone must not keep an unattended session alive): the token still live, the user
 * active, and the same roles as when the stream opened — with other roles the client opens a new
 * stream, seeing what those allow. `unknown` when the database did not answer (nothing changes).
 */
export function streamSessionCheck(
  people: People,
  token: string,
  opened: Principal,
): () => Promise<StreamSessionState> {
  return async () => {
    try {
      const userId = isApiToken(token) ? await apiTokenUser(people, token) : await people.sessions.peek(token);
      const now = userId === undefined ? undefined : await people.users.principal(userId);
      return now !== undefined && now.userId === opened.userId && sameRoles(now, opened) ? 'live' : 'ended';
    } catch {
      return 'unknown';
    }
  };
}

/**
 * Keeps a held stream's session checked: at once when its user's sessions or roles change (on any
 * replica), and whenever `recheck()` is called (heartbeats). A check asked for while one runs runs
 * again after it, so a change committed during a check is not missed. `end` is called once the
 * session is found ended.
 */
export function guardStreamSession(options: {
  userId: string;
  signals?: SessionSignals | undefined;
  check?: (() => Promise<StreamSessionState>) | undefined;
  end: () => void;
}): { recheck(): void; stop(): void } {
  const { check, end } = options;
  let running = false;
  let again = false;
  let stopped = false;
  const recheck = () => {
    if (!check || stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    void check()
      .then((state) => {
        if (state === 'ended' && !stopped) end();
      })
      .finally(() => {
        running = false;
        if (again) recheck();
      });
  };
  const unwatch = options.signals?.watch(options.userId, recheck) ?? (() => {});
  return {
    recheck,
    stop() {
      stopped = true;
      unwatch();
    },
  };
}
