import { beforeAll, describe, expect, it } from 'vitest';
import { login, signedIn } from '../people/test-support.js';
import { api, manualClock, useTestCloud } from '../test-support.js';

const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/** A small deterministic generator (mulberry32): the same month on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Runs `task` over `items` with at most `width` at once, in order of the items. */
async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/**
 * The figures the seed's month is known for, produced the way a month happens: 745 incidents
 * reported, accepted, filed and dispatched by the centre, 701 of them signed, handled, checked and
 * closed by the people whose work it is, every step a real HTTP call on a clock the test moves
 * through March. The KPI API must then say 办结率 701/745 = 94.1 %. PostgreSQL: the steps run many
 * at once, as they would in a city.
 */
describe('a generated month through the API', () => {
  const clock = manualClock('2026-03-02T01:00:00.000Z');
  const cloud = useTestCloud('postgres', { clock, dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: STREET }],
      checker: [{ role: 'operator', scope: STREET }],
      'worker-1': [{ role: 'grid_worker', scope: GRID }],
      'worker-2': [{ role: 'grid_worker', scope: GRID }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `month-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  const step = async (who: string, incident: string, action: string, data?: Record<string, unknown>) => {
    const answer = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who],
      body: { action, request_id: `${incident}-${action}`, ...(data ? { data } : {}) },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };

  it('says 办结率 94.1 % for 701 closed of 745 dispatched', { timeout: 300_000 }, async () => {
    const rng = random(20260301);
    const plan = Array.from({ length: 745 }, (_, i) => ({
      n: i,
      worker: rng() < 0.5 ? 'worker-1' : 'worker-2',
      order: rng(),
    }));
    // 44 of them stay open, chosen by the seed, not the first or last ones.
    const open = new Set(
      [...plan]
        .sort((a, b) => a.order - b.order)
        .slice(0, 44)
        .map((p) => p.n),
    );
    // Four weeks: a quarter of the month's reports each, the clock moved on before each week.
    for (let week = 0; week < 4; week++) {
      const ofWeek = plan.filter((p) => p.n % 4 === week);
      await inBatches(ofWeek, 24, async (p) => {
        const reported = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
          token: tokens[p.worker],
          body: {
            request_id: `month-${p.n}`,
            source: 'patrol',
            community: COMMUNITY,
            grid: GRID,
            category: 'other',
            title: `三月第${p.n + 1}件`,
          },
        });
        expect(reported.status, JSON.stringify(reported.body)).toBe(201);
        const id = reported.body.incident.id;
        await step('operator', id, 'accept');
        await step('operator', id, 'file');
        await step('operator', id, 'dispatch', { assignee: ids[p.worker] });
        if (open.has(p.n)) return;
        await step(p.worker, id, 'sign');
        await step(p.worker, id, 'finish');
        await step('checker', id, 'startCheck');
        await step('checker', id, 'pass');
        await step('operator', id, 'close');
      });
      clock.advance(7 * 86_400_000);
      // A new week: everyone signs in again (last week's sessions have timed out).
      for (const name of Object.keys(tokens)) tokens[name] = await login(cloud(), `month-${name}`);
    }

    const kpis = await api<{
      groups: Array<{ key: string; counts: Record<string, number>; rates: Record<string, { percent: number | null }> }>;
    }>(cloud(), 'GET', '/api/v1/kpis?from=2026-03-01&to=2026-04-01&group_by=street', { token: tokens.operator });
    expect(kpis.status, JSON.stringify(kpis.body)).toBe(200);
    expect(kpis.body.groups).toHaveLength(1);
    const [street] = kpis.body.groups;
    expect(street?.key).toBe(STREET);
    expect(street?.counts).toMatchObject({ dispatched: 745, closed: 701 });
    expect(street?.rates.completion_rate?.percent).toBe(94.09);
    expect((street?.rates.completion_rate?.percent ?? 0).toFixed(1)).toBe('94.1');
  });
});
