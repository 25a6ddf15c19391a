/**
 * Patrol for `npm start`: the community is laid out on the ground (grid outlines in the cloud's
 * territory), each grid gets its daily route, and simulated grid workers walk it — one earlier
 * round per worker sent as a phone that was offline would send it (the first worker's with a lost
 * signal and a checkpoint missed), then the first grid's worker walking live, so the map, the live
 * view, trajectories and the patrol KPIs all have something to show.
 */
import type { PatrolRoute, TerritoryStore } from '@gridlink/cloud';
import {
  type CloudCaller,
  type Community,
  type CommunityGeography,
  cloudCaller,
  endLeftOverPatrol,
  gridRoute,
  type PatrolOutcome,
  patrol,
  signIn,
  walkRoute,
} from '@gridlink/simulators';

/** Gives the community and its grids their outlines, once: a later run finds them in force. */
export async function layTerritory(
  territory: TerritoryStore,
  community: Community,
  geography: CommunityGeography,
  from: Date,
): Promise<number> {
  let added = 0;
  const areas: [string, CommunityGeography['community']][] = [
    [community.code, geography.community],
    ...geography.grids.entries(),
  ];
  for (const [code, area] of areas) {
    if ((await territory.polygonVersions(code)).length > 0) continue;
    await territory.addPolygon(code, area, from);
    added++;
  }
  return added;
}

/** Each grid's daily route, made by the dispatcher unless the grid already has one. */
export async function planRoutes(
  call: CloudCaller,
  community: Community,
  geography: CommunityGeography,
): Promise<Map<string, PatrolRoute>> {
  const routes = new Map<string, PatrolRoute>();
  for (const grid of community.grids) {
    const existing = await call<{ routes: PatrolRoute[] }>('GET', `/patrol/grids/${grid}/routes`);
    const buildings = [...new Set(community.units.filter((u) => u.grid === grid).map((u) => u.building))];
    const route =
      existing.routes[0] ??
      (await call<PatrolRoute>('POST', `/patrol/grids/${grid}/routes`, gridRoute(geography, grid, buildings)));
    routes.set(grid, route);
  }
  return routes;
}

/** Where each checkpoint stands (a tag is walked to where it is fixed). */
const checkpointsOf = (route: PatrolRoute) =>
  route.checkpoints.map((checkpoint) => ({ lon: checkpoint.lon ?? 0, lat: checkpoint.lat ?? 0 }));

export interface WalkedRound {
  grid: string;
  username: string;
  outcome: PatrolOutcome;
}

/** China time is UTC+8 all year. */
const CHINA_OFFSET_MS = 8 * 3_600_000;
const GAP_BEFORE_NOW_MS = 5 * 60_000;

/**
 * When an earlier round of `took` ms starts so that it ends a few minutes before `now` and starts
 * inside one of the route's windows (today's or yesterday's, China time) — a patrol started outside
 * every window fills no round of the day, so a run at night would show none.
 */
export function earlierRoundStart(route: Pick<PatrolRoute, 'windows'>, now: Date, took: number): Date {
  const latest = now.getTime() - took - GAP_BEFORE_NOW_MS;
  if (route.windows.length === 0) return new Date(latest);
  const today = new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
  const yesterday = new Date(now.getTime() + CHINA_OFFSET_MS - 86_400_000).toISOString().slice(0, 10);
  const clock = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+08:00`).getTime();
  let best = Number.NEGATIVE_INFINITY;
  for (const date of [today, yesterday]) {
    for (const window of route.windows) {
      const start = Math.min(latest, clock(date, window.to) - 60_000);
      if (start >= clock(date, window.from)) best = Math.max(best, start);
    }
  }
  return new Date(Number.isFinite(best) ? best : latest);
}

/**
 * One round per grid worker that ended a few minutes before `now` (started in one of its windows), uploaded at once. The first
 * grid's worker loses the signal for a minute on the way and leaves one checkpoint out, so
 * the day shows an incomplete round and the trajectory a gap.
 */
export async function walkEarlierRounds(
  cloudUrl: string,
  workers: ReadonlyArray<{ grid: string; username: string; password: string }>,
  routes: Map<string, PatrolRoute>,
  now: Date,
  runId: string,
): Promise<WalkedRound[]> {
  const walked: WalkedRound[] = [];
  for (const [index, worker] of workers.entries()) {
    const route = routes.get(worker.grid);
    if (route === undefined) continue;
    const first = index === 0;
    const shape = { route: checkpointsOf(route), intervalS: 10, seed: 2026 + index, start: now };
    const probe = walkRoute(shape);
    const took = probe.end.getTime() - now.getTime();
    const walk = walkRoute({
      ...shape,
      start: earlierRoundStart(route, now, took),
      ...(first
        ? { signalLoss: { atFraction: 0.3, seconds: 60 }, skipCheckpoint: Math.min(1, route.checkpoints.length - 1) }
        : {}),
    });
    const call = cloudCaller(cloudUrl, await signIn(cloudUrl, worker.username, worker.password));
    await endLeftOverPatrol(call, walk.fixes[0]?.time ?? now);
    const outcome = await patrol(call, route, walk, { idPrefix: `${runId}-${worker.username}-earlier` });
    walked.push({ grid: worker.grid, username: worker.username, outcome });
  }
  return walked;
}

/**
 * A worker walking their route in real time, round after round, until `signal` aborts: the
 * supervisors' live view and the worker's map follow them. Returns when stopped.
 */
export async function walkLive(
  cloudUrl: string,
  worker: { username: string; password: string },
  route: PatrolRoute,
  runId: string,
  signal: AbortSignal,
  onError: (error: Error) => void,
): Promise<void> {
  const until = (time: Date) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const abort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(
        () => {
          signal.removeEventListener('abort', abort);
          resolve();
        },
        Math.max(0, time.getTime() - Date.now()),
      );
      signal.addEventListener('abort', abort, { once: true });
    });
  const call = cloudCaller(cloudUrl, await signIn(cloudUrl, worker.username, worker.password));
  await endLeftOverPatrol(call, new Date());
  for (let round = 1; !signal.aborted; round++) {
    const walk = walkRoute({ route: checkpointsOf(route), intervalS: 10, seed: 7000 + round, start: new Date() });
    try {
      await patrol(call, route, walk, { idPrefix: `${runId}-${worker.username}-live${round}`, until });
    } catch (err) {
      if (signal.aborted) {
        // Stopped mid-round: the phone ends its patrol, so positions stop being recorded.
        await endLeftOverPatrol(call, new Date()).catch(() => undefined);
        return;
      }
      onError(err as Error);
      await until(new Date(Date.now() + 60_000)).catch(() => undefined);
    }
  }
}
