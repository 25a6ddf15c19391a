import type { PatrolBatchResult, PatrolCheckin, PatrolRoute, PatrolSession } from '@gridlink/cloud';
import type { Fix, Walk } from './walk.js';

/** The cloud's `/api/v1` as a signed-in phone calls it. */
export type CloudCaller = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

/** A caller with a session's bearer token; a refusal throws with the cloud's problem text. */
export function cloudCaller(cloudUrl: string, token: string): CloudCaller {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${cloudUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}

/** Signs a user in (`POST /sessions`) and returns their bearer token. */
export async function signIn(cloudUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${cloudUrl}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { token?: string; detail?: string };
  if (!response.ok || body.token === undefined)
    throw new Error(`signing ${username} in: ${response.status} ${body.detail ?? JSON.stringify(body)}`);
  return body.token;
}

export interface PatrolRun {
  /** Ids the phone makes up, so a retried request is recognised: `<prefix>-start`, `-b1`, `-c0`… */
  idPrefix: string;
  /** Fixes per upload; the phone also sends what it holds before each check-in and at the end. */
  batchSize?: number;
  /** The phone's clock. */
  now?: () => Date;
  /**
   * Waits until the walk reaches a time before sending what happened by then: real time for a live
   * walker on the map; absent, the whole walk is sent at once, as a phone that was offline would.
   */
  until?: (time: Date) => Promise<void>;
}

/** What the cloud made of one simulated patrol. */
export interface PatrolOutcome {
  session: PatrolSession;
  accepted: number;
  duplicates: number;
  refused: number;
  checkins: PatrolCheckin[];
}

/**
 * Sends a walk to the cloud as a grid worker's phone would: starts the patrol on the route,
 * uploads the fixes in batches (each with its batch id and the phone's clock), checks in at each
 * checkpoint the walker stood at (by position, or by the tag fixed there), and ends the patrol.
 */
export async function patrol(
  call: CloudCaller,
  route: PatrolRoute,
  walk: Walk,
  run: PatrolRun,
): Promise<PatrolOutcome> {
  const now = run.now ?? (() => new Date());
  const batchSize = run.batchSize ?? 6;
  const first = walk.fixes[0]?.time ?? walk.end;
  const { session } = await call<{ session: PatrolSession }>('POST', '/patrol/sessions', {
    request_id: `${run.idPrefix}-start`,
    route_id: route.id,
    started_at: first.toISOString(),
  });
  const base = `/patrol/sessions/${encodeURIComponent(session.id)}`;
  const outcome: PatrolOutcome = { session, accepted: 0, duplicates: 0, refused: 0, checkins: [] };

  let held: Fix[] = [];
  let batches = 0;
  const flush = async () => {
    if (held.length === 0) return;
    const positions = held.map((fix) => ({
      at: fix.time.toISOString(),
      lon: fix.lon,
      lat: fix.lat,
      accuracy_m: fix.accuracy,
    }));
    held = [];
    batches++;
    const answer = await call<PatrolBatchResult>('POST', `${base}/positions`, {
      batch_id: `${run.idPrefix}-b${batches}`,
      sent_at: now().toISOString(),
      positions,
    });
    outcome.accepted += answer.accepted;
    outcome.duplicates += answer.duplicates;
    outcome.refused += answer.refused.length;
  };

  // Fixes and arrivals in time order. A checkpoint is checked in by the fresh fix the phone takes
  // there, or by its tag; without a fix (no signal) a point checkpoint cannot be: it stays missed.
  const arrivals = [...walk.arrivals];
  const checkInUntil = async (time: number) => {
    while (arrivals.length > 0 && (arrivals[0]?.time.getTime() ?? 0) <= time) {
      const arrival = arrivals.shift();
      const checkpoint = arrival === undefined ? undefined : route.checkpoints[arrival.checkpoint];
      if (arrival === undefined || checkpoint === undefined) continue;
      const fix = arrival.fix;
      if (checkpoint.kind === 'point' && fix === undefined) continue;
      await run.until?.(arrival.time);
      await flush();
      const where = {
        ...(checkpoint.kind === 'tag' ? { tag_code: checkpoint.tag_code } : { checkpoint_id: checkpoint.id }),
        ...(fix === undefined ? {} : { lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy }),
      };
      const { checkin } = await call<{ checkin: PatrolCheckin }>('POST', `${base}/checkins`, {
        request_id: `${run.idPrefix}-c${arrival.checkpoint}`,
        at: arrival.time.toISOString(),
        sent_at: now().toISOString(),
        ...where,
      });
      outcome.checkins.push(checkin);
    }
  };
  for (const fix of walk.fixes) {
    await checkInUntil(fix.time.getTime() - 1);
    await run.until?.(fix.time);
    held.push(fix);
    if (held.length >= batchSize) await flush();
  }
  await checkInUntil(Number.POSITIVE_INFINITY);
  await run.until?.(walk.end);
  await flush();
  const ended = await call<{ session: PatrolSession }>('POST', `${base}/end`, { ended_at: walk.end.toISOString() });
  outcome.session = ended.session;
  return outcome;
}

/**
 * Ends a patrol the worker left running (a phone that died mid-round, an earlier run stopped):
 * the cloud lets one patrol run per worker, so a new round starts only after it.
 */
export async function endLeftOverPatrol(call: CloudCaller, at: Date): Promise<PatrolSession | undefined> {
  const day = await call<{ running_session: PatrolSession | null }>('GET', '/patrol/day');
  const running = day.running_session;
  if (running === null) return undefined;
  const ended = await call<{ session: PatrolSession }>(
    'POST',
    `/patrol/sessions/${encodeURIComponent(running.id)}/end`,
    {
      ended_at: at.toISOString(),
    },
  );
  return ended.session;
}
