import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { BACKENDS, manualClock, silentLogger, useMigratedDatabase } from '../test-support.js';
import { PatrolPlans, type PatrolRoute } from './plans.js';
import { PatrolRetentionJob, prunePatrolPositions } from './retention.js';
import { PatrolSessions } from './sessions.js';
import { DEFAULT_PATROL_SETTINGS, PatrolSettingsStore } from './settings.js';

const GRID = FIXTURE.grids[0];

/** The patrol stores on each backend: idempotent starts and batches under races, time order, live view, retention. */
describe.each(BACKENDS)('patrol stores on %s', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'patrol store' });
  const clock = manualClock('2026-11-25T01:00:00.000Z');
  let plans: PatrolPlans;
  let sessions: PatrolSessions;
  let route: PatrolRoute;
  const pointId = () => route.checkpoints[0]?.id ?? '';
  const runningOf = async (worker: string) => {
    const session = await sessions.running(worker);
    if (session === undefined) throw new Error(`${worker} has no patrol running`);
    return session;
  };
  const at = (offsetS: number) => new Date(clock().getTime() + offsetS * 1000).toISOString();

  const addUser = (database: Db, id: string) =>
    database.query(
      `INSERT INTO users (id, username, display_name, territory_code, password_hash, created_at)
       VALUES ($1, $1, $1, $2, 'x', now())`,
      [id, FIXTURE.community],
    );

  beforeAll(async () => {
    await seedFixtureTerritory(new TerritoryStore(db()));
    for (const id of ['w1', 'w2', 'w3']) await addUser(db(), id);
    plans = new PatrolPlans(db(), clock);
    sessions = new PatrolSessions(db(), clock, plans, new TerritoryStore(db()));
    route = await plans.create(
      GRID,
      {
        name: 'r',
        rounds_per_day: 1,
        windows: [],
        checkpoints: [{ kind: 'point', name: 'p', lon: 119.141, lat: 33.501, crs: 'wgs84', radius_m: 30 }],
      },
      'w1',
    );
  });

  it('starts one patrol per request id even when the retries race, and one running per worker', async () => {
    const results = await Promise.all([1, 2, 3].map(() => sessions.start('w1', route, 'req-1', clock())));
    expect(new Set(results.map((r) => r.session.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await expect(sessions.start('w1', route, 'req-2', clock())).rejects.toMatchObject({ code: 'GL_PATROL_CONFLICT' });
  });

  it('stores a batch once when replays race, in time order whatever order the batches came', async () => {
    const session = await runningOf('w1');
    clock.advance(120_000);
    const late = {
      batch_id: 'late',
      sent_at: at(0),
      positions: [60, 50, 40].map((s) => ({ at: at(-120 + s), lon: 119.141, lat: 33.501 + s / 1e6, accuracy_m: 5 })),
    };
    const early = {
      batch_id: 'early',
      sent_at: at(0),
      positions: [10, 20, 30, 40].map((s) => ({
        at: at(-120 + s),
        lon: 119.1405,
        lat: 33.5005 + s / 1e6,
        accuracy_m: 5,
      })),
    };
    const answers = await Promise.all([1, 2, 3].map(() => sessions.ingest(session, late, DEFAULT_PATROL_SETTINGS)));
    expect(answers.map((a) => a.replayed).sort()).toEqual([false, true, true]);
    expect(answers.every((a) => a.accepted === 3)).toBe(true);
    const second = await sessions.ingest(session, early, DEFAULT_PATROL_SETTINGS);
    expect(second).toMatchObject({ accepted: 3, duplicates: 1 });
    const points = await sessions.positions(session.id);
    expect(points.map((p) => (p.at.getTime() - clock().getTime()) / 1000 + 120)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(points[0]).toMatchObject({ lon: 119.1405, accuracy_m: 5 });
  });

  it('shows only running patrols live, with their latest position by time', async () => {
    const live = await sessions.live(FIXTURE.street);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ worker_id: 'w1', at: at(-60) });
    const session = await runningOf('w1');
    await sessions.end(session, clock());
    expect(await sessions.live(FIXTURE.street)).toEqual([]);
  });

  it('packs an ended patrol’s fixes into 14 bytes each, still replayable, late uploads merged once', async () => {
    const [session] = await sessions.ofWorker('w1', new Date(0), new Date(clock().getTime() + 1));
    if (session === undefined) throw new Error('w1 has no patrol');
    const before = await sessions.positions(session.id);
    const { rows } = await db().query<{ points: number; bytes: number; rows: number }>(
      `SELECT points, octet_length(packed) AS bytes,
              (SELECT count(*)::int FROM patrol_positions WHERE session_id = $1) AS rows
         FROM patrol_tracks WHERE session_id = $1`,
      [Number(session.id)],
    );
    expect(rows[0]).toEqual({ points: 6, bytes: 6 * 14, rows: 0 });
    const late = await sessions.ingest(
      session,
      {
        batch_id: 'after-end',
        sent_at: at(0),
        positions: [15, 20].map((s) => ({ at: at(-120 + s), lon: 119.1407, lat: 33.5007, accuracy_m: 4 })),
      },
      DEFAULT_PATROL_SETTINGS,
    );
    expect(late).toMatchObject({ accepted: 1, duplicates: 1 });
    const after = await sessions.positions(session.id);
    expect(after).toHaveLength(before.length + 1);
    expect(after.map((p) => p.at.getTime())).toEqual([...after.map((p) => p.at.getTime())].sort((a, b) => a - b));
    expect(after.find((p) => p.at.toISOString() === at(-105))).toMatchObject({ lon: 119.1407, accuracy_m: 4 });
  });

  it('deletes positions past the retention days on the job’s clock, keeping the check-ins', async () => {
    const settings = new PatrolSettingsStore(db(), clock);
    await settings.replace({ kind: 'cli' }, { ...DEFAULT_PATROL_SETTINGS, retention_days: 2 });
    const session = (await sessions.start('w2', route, 'req-3', clock())).session;
    clock.advance(60_000);
    await sessions.ingest(
      session,
      { batch_id: 'b', sent_at: at(0), positions: [{ at: at(-30), lon: 119.141, lat: 33.501, accuracy_m: 5 }] },
      await settings.get(),
    );
    const checkin = await sessions.checkin(
      session,
      {
        request_id: 'c',
        checkpoint_id: pointId(),
        at: at(0),
        lon: 119.141,
        lat: 33.501,
        crs: 'wgs84',
        photo_ids: [],
      },
      await settings.get(),
    );
    expect(checkin.checkin.flags).toEqual([]);
    // Fixes in rows (running patrols) and packed in tracks (ended ones).
    const count = async () =>
      (
        await db().query<{ n: number }>(
          `SELECT ((SELECT count(*) FROM patrol_positions)
                 + (SELECT coalesce(sum(points), 0) FROM patrol_tracks))::int AS n`,
        )
      ).rows[0]?.n;
    const before = await count();
    const job = new PatrolRetentionJob(db(), clock, silentLogger(), 3_600_000);
    clock.advance(86_400_000);
    expect((await job.runOnce())?.positions).toBe(0);
    clock.advance(86_400_000 + 1000);
    const pruned = await job.runOnce();
    expect(pruned?.positions).toBe(before);
    expect(await count()).toBe(0);
    const [kept] = await sessions.checkins([session.id]);
    expect(kept).toMatchObject({ checkpoint_id: pointId(), lon: null, lat: null });
    expect(await sessions.live(FIXTURE.street)).toEqual([]);
    expect((await prunePatrolPositions(db(), clock())).positions).toBe(0);
  });
});
