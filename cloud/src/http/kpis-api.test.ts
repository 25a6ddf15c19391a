import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { closedLoop, openLoop, seedIncidents } from '../kpi/test-support.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, useTestCloud } from '../test-support.js';

const STREET_A = '320803001';
const GRID_A1 = `${STREET_A}001001`;
const GRID_A2 = `${STREET_A}001002`;
const GRID_B1 = '320803002001001';
const PERIOD = 'from=2026-10-01&to=2026-11-01';

interface KpiBody {
  group_by: string;
  groups: Array<{
    key: string;
    name: string;
    counts: { dueForClosing: number; closed: number; closedOnTime: number };
    rates: { closing_rate: { percent: number | null }; on_time_closing_rate: { percent: number | null } };
  }>;
}

/**
 * The KPI API: sessions only, and each caller sees only the groups inside their scope — an
 * operator their territory, a grid worker their grids; others are refused.
 */
describe.each(BACKENDS)('the KPI API (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await cloud().db.query(
      `INSERT INTO disposal_units (id, name_zh, name_en, unit_type, territory_code, created_at) VALUES
         ('unit-water', '自来水公司', 'Water company', 'water_company', '320803', now()),
         ('unit-power', '供电公司', 'Power company', 'power_company', '320803', now())`,
    );
    const people = {
      operator: [{ role: 'operator', scope: STREET_A }],
      admin: [{ role: 'district_admin', scope: '320803' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A1 }],
      property: [{ role: 'property_manager', scope: `${STREET_A}001` }],
      water: [{ role: 'disposal_unit', scope: 'unit-water' }],
      installer: [{ role: 'installer', scope: 'gw-1' }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), name, [...roles], '320803');
      tokens[name] = token;
      ids[name] = user.id;
    }
    const start = new Date('2026-10-05T00:00:00+08:00');
    const seed = (prefix: string, count: number, grid: string, steps: Parameters<typeof seedIncidents>[1]['steps']) =>
      seedIncidents(cloud().db, { prefix, count, start, community: grid.slice(0, 12), grid, steps });
    await seed('a1-ok', 10, GRID_A1, closedLoop({ closeHours: 20, closeDeadlineHours: 48 }));
    await seed('a1-late', 2, GRID_A1, closedLoop({ closeHours: 60, closeDeadlineHours: 48 }));
    await seed('a1-open', 1, GRID_A1, openLoop({ fileDeadlineHours: 48 }));
    await seed('a2-ok', 5, GRID_A2, closedLoop({ closeHours: 20, closeDeadlineHours: 48 }));
    await seed('b1-ok', 3, GRID_B1, closedLoop({ closeHours: 20, closeDeadlineHours: 48 }));
    // November: the grid worker's own work, a colleague's, and two disposal units' in both streets.
    const november = new Date('2026-11-05T00:00:00+08:00');
    const seedNov = (prefix: string, count: number, grid: string, assignee: string) =>
      seedIncidents(cloud().db, {
        prefix,
        count,
        start: november,
        community: grid.slice(0, 12),
        grid,
        steps: closedLoop({ closeHours: 20, closeDeadlineHours: 48, assignee }),
      });
    await seedNov('nov-mine', 3, GRID_A1, ids['worker-a'] as string);
    await seedNov('nov-colleague', 2, GRID_A1, 'worker-1');
    await seedNov('nov-water-a', 2, GRID_A2, 'unit-water');
    await seedNov('nov-water-b', 1, GRID_B1, 'unit-water');
    await seedNov('nov-power', 4, GRID_A2, 'unit-power');
    await cloud().db.query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
         ('320803', 'district', NULL, '某区', 'Some District'),
         ('320803001', 'street', '320803', '一街道', NULL)`,
    );
  }, 60_000);

  const kpis = (who: string, query: string) =>
    api<KpiBody>(cloud(), 'GET', `/api/v1/kpis?${PERIOD}&${query}`, { token: tokens[who] as string });

  it('refuses callers without a session (401) and roles without a KPI scope (403)', async () => {
    expect((await api(cloud(), 'GET', `/api/v1/kpis?${PERIOD}`)).status).toBe(401);
    expect((await api(cloud(), 'GET', `/api/v1/kpis/report.csv?${PERIOD}`)).status).toBe(401);
    const refused = await kpis('installer', 'group_by=grid');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'GL_FORBIDDEN' });
  });

  it('validates the period and the grouping', async () => {
    const missing = await api(cloud(), 'GET', '/api/v1/kpis?group_by=grid', { token: tokens.operator as string });
    expect(missing.status).toBe(400);
    expect((await kpis('operator', 'group_by=building')).status).toBe(400);
    const backwards = await api(cloud(), 'GET', '/api/v1/kpis?from=2026-11-01&to=2026-10-01', {
      token: tokens.operator as string,
    });
    expect(backwards.status).toBe(400);
  });

  it('shows an operator the groups of their territory only', async () => {
    const grids = await kpis('operator', 'group_by=grid');
    expect(grids.status, JSON.stringify(grids.body)).toBe(200);
    expect(
      grids.body.groups.map((g) => [g.key, g.counts.dueForClosing, g.counts.closed, g.counts.closedOnTime]),
    ).toEqual([
      [GRID_A1, 13, 12, 10],
      [GRID_A2, 5, 5, 5],
    ]);
    expect(grids.body.groups[0]?.rates.closing_rate.percent).toBe(92.31);
    const streets = await kpis('operator', 'group_by=street');
    expect(streets.body.groups.map((g) => [g.key, g.name])).toEqual([[STREET_A, '一街道']]);
    // The district reaches beyond the operator's street: not theirs to see.
    expect((await kpis('operator', 'group_by=district')).body.groups).toEqual([]);
    const district = await kpis('admin', 'group_by=district');
    // Names in the reader's language (zh-CN by default).
    expect(district.body.groups.map((g) => [g.key, g.name, g.counts.dueForClosing])).toEqual([['320803', '某区', 21]]);
    const english = await api<KpiBody>(cloud(), 'GET', `/api/v1/kpis?${PERIOD}&group_by=district`, {
      token: tokens.admin as string,
      headers: { 'accept-language': 'en' },
    });
    expect(english.body.groups.map((g) => g.name)).toEqual(['Some District']);
  });

  it('shows a grid worker their grids, and refuses a territory outside them', async () => {
    const own = await kpis('worker-a', 'group_by=grid');
    expect(own.body.groups.map((g) => g.key)).toEqual([GRID_A1]);
    expect((await kpis('worker-a', 'group_by=street')).body.groups).toEqual([]);
    expect((await kpis('worker-a', `group_by=grid&territory=${GRID_A2}`)).status).toBe(403);
    const narrowed = await kpis('operator', `group_by=grid&territory=${GRID_A2}`);
    expect(narrowed.body.groups.map((g) => g.key)).toEqual([GRID_A2]);
  });

  const november = (who: string, query: string) =>
    api<KpiBody>(cloud(), 'GET', `/api/v1/kpis?from=2026-11-01&to=2026-12-01&${query}`, {
      token: tokens[who] as string,
    });
  const rows = (body: KpiBody) => body.groups.map((g) => [g.key, g.counts.closed]);

  it('shows a grid worker their own row among the workers, never a colleague’s', async () => {
    // worker-1 worked in the grid in October: a colleague's figures are not the grid worker's to read.
    expect((await kpis('worker-a', 'group_by=worker')).body.groups).toEqual([]);
    expect(rows((await november('worker-a', 'group_by=worker')).body)).toEqual([[ids['worker-a'], 3]]);
    // Their supervisor sees both, and the disposal units are not a grid worker's rows.
    expect(rows((await november('operator', 'group_by=worker')).body)).toEqual(
      [
        [ids['worker-a'], 3],
        ['worker-1', 2],
      ].sort(),
    );
    expect((await november('worker-a', 'group_by=unit')).body.groups).toEqual([]);
    // Their grid's figures stay theirs.
    expect(rows((await november('worker-a', 'group_by=grid')).body)).toEqual([[GRID_A1, 5]]);
  });

  it('shows a property manager their community, and no one’s personal row', async () => {
    const community = await november('property', 'group_by=community');
    expect(community.status, JSON.stringify(community.body)).toBe(200);
    expect(rows(community.body)).toEqual([[`${STREET_A}001`, 11]]);
    expect(rows((await november('property', 'group_by=grid')).body)).toEqual([
      [GRID_A1, 5],
      [GRID_A2, 6],
    ]);
    expect((await november('property', 'group_by=street')).body.groups).toEqual([]);
    expect((await november('property', 'group_by=worker')).body.groups).toEqual([]);
    expect((await november('property', `group_by=grid&territory=${GRID_B1}`)).status).toBe(403);
  });

  it('shows a disposal unit its own row over its work in every street, and nothing else', async () => {
    const unit = await november('water', 'group_by=unit');
    expect(unit.status, JSON.stringify(unit.body)).toBe(200);
    expect(unit.body.groups.map((g) => [g.key, g.name, g.counts.closed])).toEqual([['unit-water', '自来水公司', 3]]);
    expect((await november('water', 'group_by=grid')).body.groups).toEqual([]);
    expect((await november('water', 'group_by=worker')).body.groups).toEqual([]);
    expect(rows((await november('water', `group_by=unit&territory=${STREET_A}`)).body)).toEqual([['unit-water', 2]]);
    // The operator of street A sees both units, counted over street A.
    expect(rows((await november('operator', 'group_by=unit')).body)).toEqual([
      ['unit-power', 4],
      ['unit-water', 2],
    ]);
    // No patrol sheet for a unit: it has no grid.
    const patrol = await api(cloud(), 'GET', '/api/v1/kpis/patrol?from=2026-11-01&to=2026-12-01', {
      token: tokens.water as string,
    });
    expect(patrol.status).toBe(403);
  });

  it('exports the assessment report as CSV and as XLSX, within the caller’s scope', async () => {
    const csv = await fetch(`${cloud().url}/api/v1/kpis/report.csv?${PERIOD}&group_by=grid`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(text).toContain(`网格,${GRID_A1},${GRID_A1},`);
    expect(text).not.toContain(GRID_B1);

    const xlsx = await fetch(`${cloud().url}/api/v1/kpis/report.xlsx?${PERIOD}`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-disposition')).toContain('kpi-scope-2026-10-01.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsx.arrayBuffer());
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['街道', '社区', '网格', '网格员']);
    const grids = workbook.getWorksheet('网格') as ExcelJS.Worksheet;
    expect(grids.getCell('A3').value).toBe(GRID_A1);
    expect(grids.getCell('C3').value).toBe(13);
    expect(grids.rowCount).toBe(4);
  });
});
