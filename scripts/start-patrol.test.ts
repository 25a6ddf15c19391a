import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudConfig,
  IN_MEMORY,
  type PatrolDay,
  type PatrolRoute,
  type PatrolTrajectory,
  type RunningCloud,
  startCloud,
  TerritoryStore,
} from '@gridlink/cloud';
import { cloudCaller, generateCommunity, layOut, SMALL_COMMUNITY, signIn } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlierRoundStart, layTerritory, planRoutes, walkEarlierRounds } from './start-patrol.js';
import { gridWorkerName, startUsers } from './start-users.js';

const ADMIN_TOKEN = 'start-patrol-admin-token-0123456789abcdef';
const community = generateCommunity({
  ...SMALL_COMMUNITY,
  buildings: 4,
  buildingsPerGrid: 2,
  community: '320803001001',
});
const geography = layOut(community);

describe("the earlier round's start", () => {
  const route = {
    windows: [
      { from: '08:00', to: '12:00' },
      { from: '14:00', to: '18:00' },
    ],
  };
  const HALF_HOUR = 30 * 60_000;
  const at = (iso: string) => new Date(iso).getTime();

  it('ends five minutes before now when that start lies in a window', () => {
    expect(earlierRoundStart(route, new Date('2026-12-06T10:00:00+08:00'), HALF_HOUR).getTime()).toBe(
      at('2026-12-06T09:25:00+08:00'),
    );
  });

  it("starts in the day's last window when run in the evening (a patrol outside every window fills no round)", () => {
    expect(earlierRoundStart(route, new Date('2026-12-06T19:30:00+08:00'), HALF_HOUR).getTime()).toBe(
      at('2026-12-06T17:59:00+08:00'),
    );
  });

  it("starts in yesterday's last window when run before the first window of the day", () => {
    expect(earlierRoundStart(route, new Date('2026-12-06T03:00:00+08:00'), HALF_HOUR).getTime()).toBe(
      at('2026-12-05T17:59:00+08:00'),
    );
  });

  it('starts in the morning window when run at noon, before the afternoon one opens', () => {
    expect(earlierRoundStart(route, new Date('2026-12-06T13:00:00+08:00'), HALF_HOUR).getTime()).toBe(
      at('2026-12-06T11:59:00+08:00'),
    );
  });

  it('ends five minutes before now on a route without windows', () => {
    expect(earlierRoundStart({ windows: [] }, new Date('2026-12-06T23:00:00+08:00'), HALF_HOUR).getTime()).toBe(
      at('2026-12-06T22:25:00+08:00'),
    );
  });
});

describe("npm start's simulated grid workers", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-patrol-'));
  let cloud: RunningCloud;
  beforeAll(async () => {
    const config = CloudConfig.parse({
      cloud: { data_dir: dir },
      http: { host: '127.0.0.1', port: 0 },
      database: { data_dir: IN_MEMORY },
      auth: { admin_token: ADMIN_TOKEN },
      log: { level: 'silent' },
    });
    cloud = await startCloud(config, pino({ level: 'silent' }));
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lay out the community, plan a route per grid and walk a round each, the first with a gap and a checkpoint missed', async () => {
    const territory = new TerritoryStore(cloud.db);
    await territory.upsertUnits(
      [community.code.slice(0, 6), community.code.slice(0, 9), community.code, ...community.grids].map((code) => ({
        code,
        nameZh: code,
      })),
    );
    const from = new Date('2026-01-01T00:00:00Z');
    expect(await layTerritory(territory, community, geography, from)).toBe(1 + community.grids.length);
    // A second run finds the outlines in force and adds nothing.
    expect(await layTerritory(territory, community, geography, from)).toBe(0);
    // Each building stands in its own grid's outline.
    for (const unit of community.units) {
      const at = geography.buildings.get(unit.building);
      expect(at, unit.building).toBeDefined();
      expect((await territory.resolveGrid(at as { lon: number; lat: number }, new Date())).grid).toBe(unit.grid);
    }

    const now = new Date();
    const signIns = await startUsers(
      cloud.url,
      ADMIN_TOKEN,
      { community: community.code, grids: community.grids },
      now,
    );
    const password = (username: string) => signIns.find((s) => s.username === username)?.password ?? '';
    const dispatcher = cloudCaller(cloud.url, await signIn(cloud.url, 'dev.dispatcher', password('dev.dispatcher')));
    const routes = await planRoutes(dispatcher, community, geography);
    expect([...routes.keys()]).toEqual(community.grids);
    const again = await planRoutes(dispatcher, community, geography);
    expect([...again.values()].map((r) => r.id)).toEqual([...routes.values()].map((r) => r.id));

    const workers = community.grids.map((grid, i) => ({
      grid,
      username: gridWorkerName(i + 1),
      password: password(gridWorkerName(i + 1)),
    }));
    const walked = await walkEarlierRounds(cloud.url, workers, routes, now, 'test');
    expect(walked).toHaveLength(community.grids.length);
    for (const { outcome, grid } of walked) {
      expect(outcome.refused, grid).toBe(0);
      expect(outcome.duplicates, grid).toBe(0);
      expect(outcome.session.running).toBe(false);
      // Walked inside their own grid, at a walking pace: no check-in is flagged.
      expect(outcome.checkins.flatMap((c) => c.flags)).toEqual([]);
    }
    const [first, second] = walked;
    const firstRoute = routes.get(community.grids[0] as string) as PatrolRoute;
    expect(first?.outcome.checkins).toHaveLength(firstRoute.checkpoints.length - 1);
    expect(second?.outcome.checkins).toHaveLength(
      (routes.get(community.grids[1] as string) as PatrolRoute).checkpoints.length,
    );
    // The tag fixed on the fire lane was scanned, not reached by position.
    expect(second?.outcome.checkins.at(-1)?.method).toBe('tag');

    // The first worker's day: that round is incomplete; their trajectory has the lost signal as a gap.
    const worker = cloudCaller(
      cloud.url,
      await signIn(cloud.url, workers[0]?.username ?? '', workers[0]?.password ?? ''),
    );
    // The round's own China-time day (a run just after midnight walked it yesterday).
    const started = new Date(first?.outcome.session.started_at ?? now);
    const date = new Date(started.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const day = await worker<PatrolDay>('GET', `/patrol/day?date=${date}`);
    const round = day.routes[0]?.rounds.find((r) => r.session_id === first?.outcome.session.id);
    expect(round?.checkpoints_reached).toBe(firstRoute.checkpoints.length - 1);
    const trajectory = await worker<PatrolTrajectory>(
      'GET',
      `/patrol/sessions/${first?.outcome.session.id}/trajectory`,
    );
    expect(trajectory.points.length).toBe(first?.outcome.accepted);
    expect(trajectory.display.gaps.length).toBeGreaterThanOrEqual(1);
    expect(trajectory.distance_m).toBeGreaterThan(100);
  }, 120_000);
});
