import { beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../db/db.js';
import { migrate, readMigrations } from '../db/migrate.js';
import { BACKENDS, type Backend, useMigratedDatabase } from '../test-support.js';
import { KpiPolicy } from './compute.js';
import { KPI_GROUPS, type KpiQuery, kpiCounts } from './query.js';
import { countsFromStepRecords, readStepRecords, useKpiDatabase } from './test-support.js';

/**
 * The KPI facts of migration 0011 are kept by the database from the step records. Whatever order
 * the steps arrive in, in single rows or in batches, with deadlines and lights set afterwards, the
 * facts equal a summary computed again from all the steps, and kpiCounts over them equals a count
 * computed from scratch in TypeScript from the step records taken before the end of the period.
 */

const DISTRICT = '320803';
const GRIDS = ['320803001001001', '320803001001002', '320803001002001', '320803002001001'];
const ASSIGNEES = ['worker-1', 'worker-2', 'worker-3', 'unit-gas'];
const HOUR = 3_600_000;

/** A small deterministic generator (mulberry32): the same histories on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
type Random = ReturnType<typeof random>;

interface GeneratedStep {
  incidentId: string;
  seq: number;
  action: string;
  from: string | null;
  to: string;
  at: Date;
  deadline: Date | null;
  light: string | null;
  /** The light is set by a later UPDATE, as the time limits do, instead of with the insert. */
  lightLater: boolean;
  data: Record<string, unknown>;
}

/**
 * One incident's steps: a random walk through the state machine (returns, extensions,
 * suspensions, failed checks, callbacks of every kind), some never filed, some stopping anywhere.
 * Times move on by up to 30 h a step, and now and then a step carries a time before the step
 * before it (a replica's clock behind, a step recorded late).
 */
function history(rng: Random, incidentId: string, start: Date): GeneratedStep[] {
  const steps: GeneratedStep[] = [];
  let state = null as string | null;
  let at = start.getTime();
  const add = (action: string, to: string, data: Record<string, unknown> = {}) => {
    at += rng.next() * 30 * HOUR;
    const stepAt = rng.chance(0.1) ? at - rng.next() * 20 * HOUR : at;
    const carriesDeadline = ['file', 'extend', 'close', 'sign', 'dispatch'].includes(action) && rng.chance(0.6);
    const lit = ['finish', 'close'].includes(action) && rng.chance(0.5);
    steps.push({
      incidentId,
      seq: steps.length + 1,
      action,
      from: state,
      to,
      at: new Date(stepAt),
      deadline: carriesDeadline ? new Date(stepAt + (rng.next() * 72 - 12) * HOUR) : null,
      light: lit ? rng.pick(['green', 'yellow', 'red']) : null,
      lightLater: rng.chance(0.5),
      data,
    });
    state = to;
  };
  add('report', 'REPORTED');
  add('accept', 'ACCEPTED');
  if (rng.chance(0.1)) return steps;
  add('file', 'FILED');
  for (let n = 0; n < 16 && !rng.chance(0.06); n++) {
    switch (state) {
      case 'FILED':
        add('dispatch', 'DISPATCHED', { assignee: rng.pick(ASSIGNEES) });
        break;
      case 'DISPATCHED':
        if (rng.chance(0.25)) add('return', 'FILED');
        else add('sign', 'IN_PROGRESS');
        break;
      case 'IN_PROGRESS': {
        const roll = rng.next();
        if (roll < 0.55) add('finish', 'HANDLED');
        else if (roll < 0.8) add('extend', 'IN_PROGRESS');
        else add('suspend', 'SUSPENDED');
        break;
      }
      case 'SUSPENDED':
        add('resume', 'IN_PROGRESS');
        break;
      case 'HANDLED':
        add('startCheck', 'CHECKING');
        break;
      case 'CHECKING':
        if (rng.chance(0.25)) add('fail', 'DISPATCHED');
        else add('pass', 'PENDING_CLOSE');
        break;
      case 'PENDING_CLOSE':
        add('close', 'CLOSED');
        break;
      case 'CLOSED': {
        const satisfaction = rng.pick(['satisfied', 'basically_satisfied', 'unsatisfied', undefined]);
        const solved = rng.pick([true, false, undefined]);
        const data = {
          ...(satisfaction === undefined ? {} : { satisfaction }),
          ...(solved === undefined ? {} : { solved }),
        };
        if (rng.chance(0.6)) add('callbackSatisfied', 'EVALUATED', data);
        else add('callbackUnsatisfied', rng.pick(['DISPATCHED', 'EVALUATED']), data);
        break;
      }
      default:
        n = 16;
    }
  }
  return steps;
}

/** `count` incidents from September to November 2026 with random histories; their steps, shuffled. */
function generate(seed: number, prefix: string, count: number) {
  const rng = random(seed);
  const incidents = [];
  const steps: GeneratedStep[] = [];
  const september = new Date('2026-09-01T00:00:00+08:00').getTime();
  for (let n = 0; n < count; n++) {
    const id = `${prefix}-${n}`;
    const grid = rng.pick(GRIDS);
    const start = new Date(september + rng.next() * 91 * 24 * HOUR);
    incidents.push({ id, community: grid.slice(0, 12), grid: rng.chance(0.15) ? null : grid, drill: rng.chance(0.05) });
    steps.push(...history(rng, id, start));
  }
  for (let i = steps.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [steps[i], steps[j]] = [steps[j] as GeneratedStep, steps[i] as GeneratedStep];
  }
  return { incidents, steps, rng };
}

async function insertIncidents(db: Queryable, incidents: ReturnType<typeof generate>['incidents']) {
  await db.query(
    `INSERT INTO incidents (id, state, category_code, severity, source, drill, community, grid, intake_request_id,
            first_occurred_at, last_occurred_at, title, created_at, updated_at)
     SELECT p.id, 'REPORTED', 'other', 'minor', 'patrol', p.drill, p.community, p.grid, 'seed:' || p.id,
            now(), now(), 'generated', now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS p(id, community, grid, drill)`,
    [
      incidents.map((incident) => incident.id),
      incidents.map((incident) => incident.community),
      incidents.map((incident) => incident.grid),
      incidents.map((incident) => incident.drill),
    ],
  );
}

/** Inserts steps in the order given, `batch` of them per statement (mixing incidents). */
async function insertSteps(db: Queryable, steps: readonly GeneratedStep[], batch: () => number) {
  for (let i = 0; i < steps.length; ) {
    const chunk = steps.slice(i, i + batch());
    i += chunk.length;
    await db.query(
      `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role,
              data, at, deadline, light)
       SELECT s.incident_id, s.seq, 'r' || s.seq, s.action, s.from_state, s.to_state, s.seq, 'op-1', 'operator',
              s.data::jsonb, s.at, s.deadline, s.light
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::timestamptz[], $9::text[]) AS s(incident_id, seq, action, from_state, to_state, data, at,
                                                         deadline, light)`,
      [
        chunk.map((step) => step.incidentId),
        chunk.map((step) => step.seq),
        chunk.map((step) => step.action),
        chunk.map((step) => step.from),
        chunk.map((step) => step.to),
        chunk.map((step) => JSON.stringify(step.data)),
        chunk.map((step) => step.at),
        chunk.map((step) => step.deadline),
        chunk.map((step) => (step.lightLater ? null : step.light)),
      ],
    );
  }
}

/** The lights the time limits set after the step was written, one UPDATE each. */
async function setLightsLater(db: Queryable, steps: readonly GeneratedStep[]) {
  for (const step of steps.filter((s) => s.lightLater && s.light !== null)) {
    await db.query('UPDATE incident_steps SET light = $3 WHERE incident_id = $1 AND seq = $2', [
      step.incidentId,
      step.seq,
      step.light,
    ]);
  }
}

async function seedGenerated(db: Queryable, seed: number, prefix: string, count: number) {
  const { incidents, steps, rng } = generate(seed, prefix, count);
  await insertIncidents(db, incidents);
  await insertSteps(db, steps, () => 1 + Math.floor(rng.next() * 6));
  await setLightsLater(db, steps);
}

const FACT_COLUMNS = `incident_id, community, grid, drill, filed_at, last_at, dispatched, should_handle, handled,
  callback, closed_at, closed_on_time, deadline_at, suspended, reworks, extensions, satisfied, solved, assignee,
  strictly_satisfied`;

/** The facts as kept, and as summarised again from every step of every incident. */
async function keptAndRecomputed(db: Queryable) {
  const kept = await db.query(`SELECT ${FACT_COLUMNS} FROM incident_kpi_facts ORDER BY incident_id`);
  const recomputed = await db.query(
    `SELECT ${FACT_COLUMNS}
       FROM (SELECT f.*, i.community, i.grid, i.drill
               FROM incident_kpi_facts_of(ARRAY(SELECT id FROM incidents), 'infinity') AS f
               JOIN incidents i ON i.id = f.incident_id) AS recomputed
      ORDER BY incident_id`,
  );
  return { kept: kept.rows, recomputed: recomputed.rows };
}

type KpiPeriod = { from: Date; to: Date };

const byKey = (groups: { key: string }[]) => [...groups].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** A date or date-time in China time. */
const chinaTime = (at: string) => new Date(`${at.includes('T') ? at : `${at}T00:00:00`}+08:00`);

/** Periods that cut histories anywhere: months, a week, half a month, a quarter, and all time. */
const PERIODS = [
  ['2026-09-01', '2026-10-01'],
  ['2026-10-01', '2026-11-01'],
  ['2026-11-01', '2026-12-01'],
  ['2026-10-12', '2026-10-19'],
  ['2026-10-16T13:00:00', '2026-11-01T07:30:00'],
  ['2026-09-01', '2026-12-01'],
  ['2026-01-01', '2030-01-01'],
].map(([from, to]) => ({ from: chinaTime(from as string), to: chinaTime(to as string) }));

/** Every period × grouping × policy (and a territory filter): kpiCounts equals the from-scratch count. */
async function expectCountsFromScratch(db: Queryable) {
  const records = await readStepRecords(db);
  let compared = 0;
  for (const period of PERIODS) {
    for (const groupBy of KPI_GROUPS) {
      for (const policy of [KpiPolicy.parse({}), KpiPolicy.parse({ exclude_suspended_from_due: true })]) {
        for (const territoryPrefix of [undefined, ['320803001001', '320803002']]) {
          const query: KpiQuery = { ...period, groupBy, policy, territoryPrefix };
          const context = `${groupBy} ${period.from.toISOString()}…${period.to.toISOString()} ${JSON.stringify(policy)} ${territoryPrefix}`;
          expect(byKey(await kpiCounts(db, query)), context).toEqual(countsFromStepRecords(records, query));
          compared++;
        }
      }
    }
  }
  return compared;
}

const unitGas = (db: Queryable) =>
  db.query(
    `INSERT INTO disposal_units (id, name_zh, name_en, unit_type, territory_code, created_at)
     VALUES ('unit-gas', '港华燃气', 'Towngas', 'gas_company', $1, now())`,
    [DISTRICT],
  );

describe.each(BACKENDS)('KPI facts kept by the database from step records (%s)', (backend) => {
  const db = useKpiDatabase(backend);

  beforeAll(async () => {
    await unitGas(db());
    await seedGenerated(db(), 20261125, 'gen', 90);
  }, 60_000);

  it('equal a summary of all the steps, with steps arriving shuffled, in batches, lights set afterwards', async () => {
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept.length).toBe(90);
    expect(kept).toEqual(recomputed);
  });

  it('count as a from-scratch count over the step records taken before the end of each period', async () => {
    const compared = await expectCountsFromScratch(db());
    expect(compared).toBe(PERIODS.length * KPI_GROUPS.length * 4);
    // The histories reach every count, and some incidents are still moving at the end of October.
    const [all] = await kpiCounts(db(), {
      ...(PERIODS.at(-1) as KpiPeriod),
      groupBy: 'district',
      policy: KpiPolicy.parse({}),
    });
    for (const [count, value] of Object.entries(all?.counts ?? {})) expect(value, count).toBeGreaterThan(0);
    const moving = await db().query<{ n: number }>(
      'SELECT count(*)::int AS n FROM incident_kpi_facts WHERE filed_at < $1 AND last_at >= $1',
      [chinaTime('2026-11-01')],
    );
    expect(moving.rows[0]?.n).toBeGreaterThan(3);
  }, 60_000);

  it('leave a callback made after the period out of that period, and count it once it is before the end', async () => {
    const id = 'late-callback';
    const grid = '320803003001001';
    await insertIncidents(db(), [{ id, community: grid.slice(0, 12), grid, drill: false }]);
    const october = new Date('2026-10-20T09:00:00+08:00').getTime();
    const loop = ['report', 'accept', 'file', 'dispatch', 'sign', 'finish', 'startCheck', 'pass', 'close'];
    const steps = loop.map((action, index) => step(id, index + 1, action, new Date(october + index * HOUR)));
    await insertSteps(db(), steps, () => 3);
    // Called back on 3 November, after October ended.
    await insertSteps(
      db(),
      [step(id, 10, 'callbackSatisfied', new Date('2026-11-03T10:00:00+08:00'), { satisfaction: 'satisfied' })],
      () => 1,
    );
    const query = (to: string): KpiQuery => ({
      from: new Date('2026-10-01T00:00:00+08:00'),
      to: new Date(`${to}T00:00:00+08:00`),
      groupBy: 'grid',
      territoryPrefix: grid,
      policy: KpiPolicy.parse({}),
    });
    const [october31] = await kpiCounts(db(), query('2026-11-01'));
    expect(october31?.counts).toMatchObject({ shouldDispatch: 1, closed: 1, callbacks: 0, satisfied: 0, solved: 0 });
    const [november30] = await kpiCounts(db(), query('2026-12-01'));
    expect(november30?.counts).toMatchObject({ shouldDispatch: 1, closed: 1, callbacks: 1, satisfied: 1, solved: 1 });
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept).toEqual(recomputed);
  });

  it('take a step written after later steps as if it had come in order (latest dispatch by sequence)', async () => {
    const id = 'late-step';
    const grid = '320803003001002';
    await insertIncidents(db(), [{ id, community: grid.slice(0, 12), grid, drill: false }]);
    const at = (hours: number) => new Date(new Date('2026-10-10T08:00:00+08:00').getTime() + hours * HOUR);
    await insertSteps(
      db(),
      [
        step(id, 1, 'report', at(0)),
        step(id, 2, 'accept', at(1)),
        step(id, 3, 'file', at(2)),
        step(id, 4, 'dispatch', at(3), { assignee: 'worker-1' }),
        step(id, 6, 'return', at(5)),
      ],
      () => 5,
    );
    const facts = async () =>
      (
        await db().query<{ assignee: string; should_handle: boolean; last_at: Date }>(
          'SELECT assignee, should_handle, last_at FROM incident_kpi_facts WHERE incident_id = $1',
          [id],
        )
      ).rows[0];
    expect(await facts()).toMatchObject({ assignee: 'worker-1', should_handle: false });
    // The second dispatch (sequence 5) is written last, by a replica whose clock was behind.
    await insertSteps(db(), [step(id, 5, 'dispatch', at(4), { assignee: 'worker-2' })], () => 1);
    const after = await facts();
    expect(after).toMatchObject({ assignee: 'worker-2', should_handle: false });
    expect(new Date(after?.last_at as Date).getTime()).toBe(at(5).getTime());
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept).toEqual(recomputed);
  });

  it("follow the incident's place and drill flag when they change", async () => {
    const id = 'gen-0';
    const moved = '320803002001009';
    await db().query('UPDATE incidents SET community = $2, grid = $3 WHERE id = $1', [id, moved.slice(0, 12), moved]);
    await db().query('UPDATE incidents SET drill = NOT drill WHERE id = $1', ['gen-1']);
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept).toEqual(recomputed);
    expect(kept.find((row) => row.incident_id === id)).toMatchObject({ grid: moved });
    await expectCountsFromScratch(db());
  }, 60_000);

  it('stay right when transactions add steps to one incident at the same time', async () => {
    const id = 'racing';
    const grid = '320803003001003';
    await insertIncidents(db(), [{ id, community: grid.slice(0, 12), grid, drill: false }]);
    const at = (hours: number) => new Date(new Date('2026-10-11T08:00:00+08:00').getTime() + hours * HOUR);
    await insertSteps(db(), [step(id, 1, 'report', at(0)), step(id, 2, 'accept', at(1))], () => 2);
    // Each insert is its own transaction on its own pooled connection (PostgreSQL), open a while
    // after the insert so that the others' triggers run before it commits.
    const racing = [
      step(id, 3, 'file', at(2)),
      ...Array.from({ length: 12 }, (_, n) => step(id, 4 + n, 'extend', at(3 + n))),
    ];
    await Promise.all(
      racing.map((one) =>
        db().transaction(async (tx) => {
          await insertSteps(tx, [one], () => 1);
          await tx.query('SELECT pg_sleep(0.05)');
        }),
      ),
    );
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept).toEqual(recomputed);
    expect(kept.find((row) => row.incident_id === id)).toMatchObject({ extensions: 12 });
  });
});

describe.each(BACKENDS)('migration 0011 over step records written before it (%s)', (backend: Backend) => {
  const db = useMigratedDatabase(backend, { what: 'database before the KPI facts', versions: new Set([1, 3, 5, 10]) });

  it('backfills the facts of every incident (and 0053 the verdict levels), which then count as the step records do', async () => {
    await unitGas(db());
    await seedGenerated(db(), 7, 'old', 60);
    const migrations = await readMigrations();
    const upTo11 = migrations.filter((migration) => [1, 3, 5, 10, 11].includes(migration.version));
    expect(await migrate(db() as Db, upTo11)).toEqual({ applied: ['0011_kpi_facts.sql'] });
    // 0053 summarises the incidents called back already again, with the verdict levels.
    const with53 = migrations.filter((migration) => [1, 3, 5, 10, 11, 53].includes(migration.version));
    expect(await migrate(db() as Db, with53)).toEqual({ applied: ['0053_callback_verdicts.sql'] });
    const { kept, recomputed } = await keptAndRecomputed(db());
    expect(kept.length).toBe(60);
    expect(kept).toEqual(recomputed);
    // 0056 gives the facts and the steps their district, which a district's KPI query names.
    const with56 = migrations.filter((migration) => [1, 3, 5, 10, 11, 53, 56].includes(migration.version));
    expect(await migrate(db() as Db, with56)).toEqual({ applied: ['0056_district_keys.sql'] });
    const { rows } = await db().query<{ steps: number; off: number }>(
      `SELECT count(*) AS steps, count(*) FILTER (WHERE s.district IS DISTINCT FROM i.district OR s.district IS NULL) AS off
         FROM incident_steps AS s JOIN incidents AS i ON i.id = s.incident_id`,
    );
    expect(rows[0]?.steps).toBeGreaterThan(0);
    expect(rows[0]?.off).toBe(0);
    await expectCountsFromScratch(db());
  }, 60_000);
});

function step(
  incidentId: string,
  seq: number,
  action: string,
  at: Date,
  data: Record<string, unknown> = {},
): GeneratedStep {
  return {
    incidentId,
    seq,
    action,
    from: null,
    to: action.toUpperCase(),
    at,
    deadline: null,
    light: null,
    lightLater: false,
    data,
  };
}
