import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { CommandCentreOverview } from './schema.js';

const DISTRICT = '320803';
const STREET_A = '320803001';
const STREET_B = '320803002';
const COMMUNITY_A = `${STREET_A}001`;
const COMMUNITY_B = `${STREET_B}001`;
const GRID_A1 = `${COMMUNITY_A}001`;
const GRID_A2 = `${COMMUNITY_A}002`;
const GRID_B1 = `${COMMUNITY_B}001`;
/** 10:00 in China on 25 November 2026. */
const NOW = '2026-11-25T02:00:00.000Z';

interface ListedIncident {
  id: string;
  state: string;
  categoryCode: string;
  source: string;
  drill: boolean;
  urgent: boolean;
  closedAt: string | null;
  place: { grid: string | null; community: string | null };
  light: 'green' | 'yellow' | 'red' | null;
  overdue_since: string | null;
}

/** A square area around a point, as the territory stores it. */
const square = (lon: number, lat: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon - 0.005, lat - 0.005],
      [lon + 0.005, lat - 0.005],
      [lon + 0.005, lat + 0.005],
      [lon - 0.005, lat + 0.005],
      [lon - 0.005, lat - 0.005],
    ],
  ],
});

/**
 * The command screen's overview: for district admins and operators over their territory, and its
 * figures are those the incident list, the KPI API and the fleet view give for the same territory.
 */
describe.each(BACKENDS)('the command-centre overview (%s)', (backend) => {
  const clock = manualClock(NOW);
  // Timers are swept when the test says so (below), not by the background sweep at any moment.
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      admin: [{ role: 'district_admin', scope: DISTRICT }],
      // The duty desk of the district: takes the reports and the steps.
      desk: [{ role: 'operator', scope: DISTRICT }],
      'operator-a': [{ role: 'operator', scope: STREET_A }],
      worker: [{ role: 'grid_worker', scope: GRID_A1 }],
      property: [{ role: 'property_manager', scope: COMMUNITY_A }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-cc-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    await cloud().db.query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
         ('${DISTRICT}', 'district', NULL, '某区', 'Some District'),
         ('${STREET_A}', 'street', '${DISTRICT}', '一街道', 'First Street'),
         ('${STREET_B}', 'street', '${DISTRICT}', '二街道', NULL),
         ('${COMMUNITY_A}', 'community', '${STREET_A}', '幸福社区', NULL),
         ('${COMMUNITY_B}', 'community', '${STREET_B}', '和平社区', NULL),
         ('${GRID_A1}', 'grid', '${COMMUNITY_A}', '幸福一网格', NULL),
         ('${GRID_A2}', 'grid', '${COMMUNITY_A}', '幸福二网格', NULL),
         ('${GRID_B1}', 'grid', '${COMMUNITY_B}', '和平一网格', NULL)
       ON CONFLICT DO NOTHING`,
    );
    const areas: Array<[string, number, number]> = [
      [GRID_A1, 119.01, 33.61],
      [GRID_A2, 119.02, 33.61],
      [GRID_B1, 119.03, 33.62],
    ];
    for (const [code, lon, lat] of areas)
      await cloud().db.query(
        `INSERT INTO territory_polygons (unit_code, valid_from, area, min_lon, min_lat, max_lon, max_lat)
         VALUES ($1, '2026-01-01T00:00:00Z', $2::jsonb, $3, $4, $5, $6)`,
        [code, JSON.stringify(square(lon, lat)), lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005],
      );

    const report = async (request: string, grid: string, body: Record<string, unknown>) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens.desk as string,
        body: { request_id: request, source: 'hotline_12345', community: grid.slice(0, 12), grid, ...body },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id;
    };
    await report('a1-litter', GRID_A1, { category: 'urban_management.exposed_garbage', title: '垃圾' });
    await report('a1-other', GRID_A1, { category: 'other', title: '其他', source: 'resident' });
    ids.gas = await report('a1-gas', GRID_A1, {
      category: 'emergency.gas_leak',
      severity: 'critical',
      urgent: true,
      title: '三号楼闻到燃气味',
    });
    await report('a1-drill', GRID_A1, { category: 'other', title: '演练', drill: true });
    ids.lane = await report('a2-lane', GRID_A2, { category: 'safety.fire_lane', title: '消防通道' });
    await report('b1-one', GRID_B1, { category: 'other', title: '其他一' });
    await report('b1-two', GRID_B1, { category: 'other', title: '其他二' });
    const act = async (incident: string, action: string) => {
      const response = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
        token: tokens.desk as string,
        body: { action, request_id: `${incident}-${action}`, comment: '值班长处理' },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };
    // One rejected (ended, not open), one accepted and filed (its filing clock runs).
    await act(await report('a2-invalid', GRID_A2, { category: 'other', title: '无效' }), 'reject');
    await act(ids.lane, 'accept');
    await act(ids.lane, 'file');
    await registerGateway(cloud(), `gw-${backend}-cc-a`, COMMUNITY_A);
    // Two hours on: the limits of the day's work have run for a while, and the breached ones are acted on.
    clock.advance(2 * 3_600_000);
    await cloud().deadlines.sweep();
  }, 60_000);

  const overview = (who: string, query = '') =>
    api<CommandCentreOverview>(cloud(), 'GET', `/api/v1/command-centre/overview${query}`, {
      token: tokens[who] as string,
    });
  const listed = async (who: string) => {
    const list = await api<{ incidents: ListedIncident[] }>(cloud(), 'GET', '/api/v1/incidents?limit=200', {
      token: tokens[who] as string,
    });
    expect(list.status).toBe(200);
    return list.body.incidents.filter((incident) => incident.closedAt === null && !incident.drill);
  };
  const tally = (values: readonly string[]) => {
    const counts: Record<string, number> = {};
    for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
    return counts;
  };

  it('refuses callers without a session (401) and roles that do not watch a territory (403)', async () => {
    expect((await api(cloud(), 'GET', '/api/v1/command-centre/overview')).status).toBe(401);
    for (const who of ['worker', 'property']) {
      const refused = await overview(who);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'GL_FORBIDDEN' });
    }
  });

  it('refuses a territory outside the caller’s and a code that is not one', async () => {
    expect((await overview('operator-a', `?territory=${STREET_B}`)).status).toBe(403);
    const bad = await overview('admin', '?territory=32080');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('territory');
  });

  it('counts the open incidents as the incident list shows them, drills and ended ones left out', async () => {
    const answer = await overview('admin');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const body = answer.body;
    const open = await listed('admin');
    expect(body.open.total).toBe(open.length);
    expect(body.open.total).toBe(6);
    expect(Object.fromEntries(body.open.by_state.map((row) => [row.state, row.count]))).toEqual(
      tally(open.map((incident) => incident.state)),
    );
    expect(Object.fromEntries(body.open.by_source.map((row) => [row.source, row.count]))).toEqual(
      tally(open.map((incident) => incident.source)),
    );
    expect(Object.fromEntries(body.open.by_category.map((row) => [row.code, row.count]))).toEqual(
      tally(open.map((incident) => incident.categoryCode.split('.')[0] as string)),
    );
    expect(body.open.by_category.find((row) => row.code === 'emergency')?.name.zh).toBeTruthy();
    // Every pin carries the light the list shows for that incident.
    const digit = { green: 1, yellow: 2, red: 3 } as const;
    const lightOf = new Map(open.map((incident) => [incident.id, incident.light ? digit[incident.light] : 0]));
    expect(body.pins.id.toSorted()).toEqual(open.map((incident) => incident.id).toSorted());
    body.pins.id.forEach((id, index) => {
      expect(body.pins.light[index], id).toBe(lightOf.get(id));
    });
    expect(
      body.open.by_light.green + body.open.by_light.yellow + body.open.by_light.red + body.open.by_light.none,
    ).toBe(6);
  });

  it('pins each open incident at its grid’s centre when it has no point, and colours the grids', async () => {
    const { body } = await overview('admin');
    const lane = body.pins.id.indexOf(ids.lane as string);
    expect([body.pins.lon[lane], body.pins.lat[lane]]).toEqual([119.02, 33.61]);
    expect(body.pins.categories[body.pins.category[lane] as number]).toBe('safety.fire_lane');
    expect(body.pins.states[body.pins.state[lane] as number]).toBe('FILED');
    expect(body.grids.map((grid) => [grid.code, grid.open, grid.name.zh, grid.centroid])).toEqual([
      [GRID_A1, 3, '幸福一网格', [119.01, 33.61]],
      [GRID_A2, 1, '幸福二网格', [119.02, 33.61]],
      [GRID_B1, 2, '和平一网格', [119.03, 33.62]],
    ]);
    const open = await listed('admin');
    const worst = (grid: string) => {
      const lights = open.filter((incident) => incident.place.grid === grid).map((incident) => incident.light);
      return (['red', 'yellow', 'green'] as const).find((light) => lights.includes(light)) ?? null;
    };
    for (const grid of body.grids) expect(grid.light, grid.code).toBe(worst(grid.code));
    expect(body.title).toEqual({ code: DISTRICT, name: { zh: '某区', en: 'Some District' } });
  });

  it('gives today’s intake and closures in China time, and the urgent incidents for the ticker', async () => {
    const { body } = await overview('admin');
    // Seven reported today (10:00 China time; the drill left out, the rejected one counted); none closed
    // (结案); two hours on, every open one's limit was breached and it went one level up — as many
    // as the incident list shows overdue since today.
    expect(body.today).toEqual({ date: '2026-11-25', intake: 7, closed: 0, overdue: 6, escalated: 6 });
    const overdue = (await listed('admin')).filter((incident) => (incident.overdue_since ?? '') >= '2026-11-24T16:00');
    expect(overdue).toHaveLength(body.today.overdue);
    expect(body.ticker.map((item) => [item.id, item.category, item.place.zh])).toEqual([
      [ids.gas, 'emergency.gas_leak', '幸福一网格'],
    ]);
    // What the reporter wrote stays off the wall screen.
    expect(JSON.stringify(body.ticker)).not.toContain('三号楼');
  });

  it('shows this month’s and last month’s KPIs as the KPI API computes them', async () => {
    const { body } = await overview('admin');
    for (const month of [body.kpi.this_month, body.kpi.last_month]) {
      const kpis = await api<{
        groups: Array<{ counts: { shouldDispatch: number }; rates: Record<string, { percent: number | null }> }>;
      }>(cloud(), 'GET', `/api/v1/kpis?from=${month.from}&to=${month.to}&group_by=district`, {
        token: tokens.admin as string,
      });
      expect(kpis.status, JSON.stringify(kpis.body)).toBe(200);
      const group = kpis.body.groups[0];
      expect(month.filed).toBe(group?.counts.shouldDispatch ?? 0);
      for (const [code, percent] of Object.entries(month.rates))
        expect(percent, code).toBe(group?.rates[code]?.percent ?? null);
    }
    expect(body.kpi.this_month.month).toBe('2026-11');
    expect(body.kpi.last_month).toMatchObject({ month: '2026-10', from: '2026-09-30T16:00:00.000Z' });
    expect(body.kpi.this_month.filed).toBe(1);
  });

  it('shows the gateways and devices of the territory as the fleet view judges them', async () => {
    const { body } = await overview('admin');
    const fleet = await api<{ gateways: Array<{ gateway_id: string; link: string; community: string }> }>(
      cloud(),
      'GET',
      '/api/v1/fleet/gateways',
      { token: TEST_ADMIN_TOKEN },
    );
    const ours = fleet.body.gateways.filter((gateway) => gateway.community.startsWith(DISTRICT));
    expect(body.health.gateways.total).toBe(ours.length);
    expect(body.health.gateways.silent).toBe(ours.filter((gateway) => gateway.link === 'silent').length);
    expect(body.health.communities[0]).toMatchObject({ code: COMMUNITY_A, name: { zh: '幸福社区' }, gateways: 1 });
  });

  it('shows an operator their street only, and a district admin a street when asked', async () => {
    const street = await overview('operator-a');
    expect(street.status).toBe(200);
    expect(street.body.territories).toEqual([STREET_A]);
    expect(street.body.open.total).toBe((await listed('operator-a')).length);
    expect(street.body.open.total).toBe(4);
    expect(street.body.grids.map((grid) => grid.code)).toEqual([GRID_A1, GRID_A2]);
    const narrowed = await overview('admin', `?territory=${STREET_B}`);
    expect(narrowed.body.open.total).toBe(2);
    expect(narrowed.body.title.name).toEqual({ zh: '二街道', en: '二街道' });
    expect(narrowed.body.health.gateways.total).toBe(0);
  });

  it('keeps showing the lights the incident list shows as the day goes on (read last: it moves the clock)', async () => {
    clock.advance(5 * 3_600_000);
    const { body } = await overview('admin');
    const digit = { green: 1, yellow: 2, red: 3 } as const;
    const open = await listed('admin');
    const lightOf = new Map(open.map((incident) => [incident.id, incident.light ? digit[incident.light] : 0]));
    body.pins.id.forEach((id, index) => {
      expect(body.pins.light[index], id).toBe(lightOf.get(id));
    });
  });
});
