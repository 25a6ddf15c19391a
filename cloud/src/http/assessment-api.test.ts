import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../kpi/assessment.js';
import { DEFAULT_KPI_WEIGHTS } from '../kpi/compute.js';
import { KPI_DEFINITIONS } from '../kpi/definitions.js';
import { closedLoop, openLoop, type SeedStep, seedIncidents } from '../kpi/test-support.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, useTestCloud } from '../test-support.js';

const STREET_A = '320803001';
const STREET_B = '320803002';
const COMMUNITY_A = `${STREET_A}001`;
const GRID_A1 = `${COMMUNITY_A}001`;
const GRID_A2 = `${COMMUNITY_A}002`;
const GRID_A3 = `${COMMUNITY_A}003`;
const GRID_B1 = `${STREET_B}001001`;
const OCTOBER = 'from=2026-10-01&to=2026-11-01';

interface KpiBody {
  groups: Array<{
    key: string;
    name: string;
    counts: Record<string, number>;
    rates: Record<string, { percent: number | null }>;
    composite: number | null;
  }>;
}

/**
 * The monthly assessment (考核): the figures are those of `GET /kpis` for the same scope and
 * month (one formula), places among peers share ties, trends cover six months, and each role sees
 * its own scope; the workbook carries the same figures.
 */
describe.each(BACKENDS)('the assessment API (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await cloud().db.query(
      `INSERT INTO disposal_units (id, name_zh, name_en, unit_type, territory_code, created_at) VALUES
         ('unit-water', '自来水公司', 'Water company', 'water_company', '320803', now())`,
    );
    const people = {
      operator: [{ role: 'operator', scope: STREET_A }],
      admin: [{ role: 'district_admin', scope: '320803' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A2 }],
      property: [{ role: 'property_manager', scope: COMMUNITY_A }],
      water: [{ role: 'disposal_unit', scope: 'unit-water' }],
      installer: [{ role: 'installer', scope: 'gw-1' }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), name, [...roles], '320803');
      tokens[name] = token;
      ids[name] = user.id;
    }
    const seed = (prefix: string, count: number, grid: string, start: string, steps: SeedStep[]) =>
      seedIncidents(cloud().db, {
        prefix,
        count,
        start: new Date(`${start}T00:00:00+08:00`),
        community: grid.slice(0, 12),
        grid,
        steps,
      });
    const ok = (assignee: string) => closedLoop({ closeHours: 20, closeDeadlineHours: 48, assignee });
    await seed('a1-ok', 10, GRID_A1, '2026-10-05', ok('worker-1'));
    await seed('a1-late', 2, GRID_A1, '2026-10-06', closedLoop({ closeHours: 60, closeDeadlineHours: 48 }));
    await seed('a1-open', 1, GRID_A1, '2026-10-07', openLoop({ fileDeadlineHours: 48 }));
    // Grids A2 and A3 did the same work: the same score, so they share first place.
    await seed('a2-ok', 5, GRID_A2, '2026-10-05', ok(ids['worker-a'] as string));
    await seed('a3-ok', 5, GRID_A3, '2026-10-05', ok('worker-3'));
    await seed('a3-water', 2, GRID_A3, '2026-10-08', ok('unit-water'));
    await seed('b1-ok', 3, GRID_B1, '2026-10-05', ok('unit-water'));
    // September and May: the trend's months.
    await seed('a1-sep', 4, GRID_A1, '2026-09-10', closedLoop({ closeHours: 60, closeDeadlineHours: 48 }));
    await seed('a1-may', 1, GRID_A1, '2026-05-03', ok('worker-1'));
    await cloud().db.query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
         ('320803', 'district', NULL, '某区', 'Some District'),
         ('320803001', 'street', '320803', '一街道', NULL)`,
    );
  }, 60_000);

  const assess = (who: string, query: string) =>
    api<Assessment>(cloud(), 'GET', `/api/v1/kpis/assessment?${query}`, { token: tokens[who] as string });
  const kpis = (who: string, query: string) =>
    api<KpiBody>(cloud(), 'GET', `/api/v1/kpis?${query}`, { token: tokens[who] as string });
  const figures = (row: { key: string; counts: unknown; rates: unknown }, score: number | null) => ({
    key: row.key,
    counts: row.counts,
    rates: row.rates,
    score,
  });

  it('gives each level the figures of GET /kpis for the same scope and month', async () => {
    for (const who of ['operator', 'admin', 'worker-a', 'property', 'water'])
      for (const level of ['street', 'community', 'grid', 'worker', 'unit']) {
        const assessed = await assess(who, `month=2026-10&level=${level}`);
        expect(assessed.status, JSON.stringify(assessed.body)).toBe(200);
        const same = await kpis(who, `${OCTOBER}&group_by=${level}`);
        const byKey = <Row extends { key: string }>(rows: Row[]) =>
          [...rows].sort((a, b) => a.key.localeCompare(b.key));
        expect(
          byKey(assessed.body.rows).map((row) => figures(row, row.score)),
          `${who} ${level}`,
        ).toEqual(byKey(same.body.groups).map((group) => figures(group, group.composite)));
      }
  });

  it('ranks grids by score, ties sharing a place, with the tenant’s weights (practice defaults)', async () => {
    const grids = await assess('operator', 'month=2026-10&level=grid');
    expect(grids.body.weights).toEqual(DEFAULT_KPI_WEIGHTS);
    expect(grids.body.rows.map((row) => [row.key, row.rank, row.peers])).toEqual([
      [GRID_A2, 1, 3],
      [GRID_A3, 1, 3],
      [GRID_A1, 3, 3],
    ]);
    const [a2, a3, a1] = grids.body.rows;
    expect(a2?.score).toBe(a3?.score);
    expect(a1?.score as number).toBeLessThan(a2?.score as number);
    expect(grids.body).toMatchObject({
      month: '2026-10',
      level: 'grid',
      within: null,
      tenant_name: '某区',
      scope_name: '一街道',
    });
    expect(grids.body.from).toBe(new Date('2026-10-01T00:00:00+08:00').toISOString());
  });

  it('trends six months, each month’s score that of GET /kpis for that month', async () => {
    const grids = await assess('operator', 'month=2026-10&level=grid');
    expect(grids.body.months).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    const a1 = grids.body.rows.find((row) => row.key === GRID_A1);
    const scoreOf = async (from: string, to: string) =>
      (await kpis('operator', `from=${from}&to=${to}&group_by=grid`)).body.groups.find((g) => g.key === GRID_A1)
        ?.composite ?? null;
    expect(a1?.trend.map((point) => point.score)).toEqual([
      await scoreOf('2026-05-01', '2026-06-01'),
      null,
      null,
      null,
      await scoreOf('2026-09-01', '2026-10-01'),
      a1?.score,
    ]);
    expect(a1?.trend[4]?.percents.on_time_closing_rate).toBe(0);
    expect(a1?.trend[4]?.score).not.toBeNull();
  });

  it('shows each role its own scope', async () => {
    // A grid worker: their grid, and their own row ranked among the workers of their grid.
    const own = await assess('worker-a', 'month=2026-10&level=worker');
    expect(own.body.rows.map((row) => [row.key, row.rank, row.peers])).toEqual([[ids['worker-a'], 1, 1]]);
    expect((await assess('worker-a', 'month=2026-10&level=grid')).body.rows.map((row) => row.key)).toEqual([GRID_A2]);
    expect((await assess('worker-a', 'month=2026-10&level=street')).body.rows).toEqual([]);
    expect((await assess('worker-a', `month=2026-10&level=grid&within=${GRID_A1}`)).status).toBe(403);
    // The operator sees every worker of the street; a grid worker never a colleague.
    const workers = await assess('operator', 'month=2026-10&level=worker');
    expect(workers.body.rows.map((row) => row.key).sort()).toEqual([ids['worker-a'], 'worker-1', 'worker-3'].sort());
    // A property manager: the territories of their community, no people.
    expect((await assess('property', 'month=2026-10&level=community')).body.rows.map((row) => row.key)).toEqual([
      COMMUNITY_A,
    ]);
    expect((await assess('property', 'month=2026-10&level=worker')).body.rows).toEqual([]);
    // A disposal unit: its own row over its work in both streets.
    const unit = await assess('water', 'month=2026-10&level=unit');
    expect(unit.body.rows.map((row) => [row.key, row.name, row.counts.closed, row.rank])).toEqual([
      ['unit-water', '自来水公司', 5, 1],
    ]);
    expect(unit.body.scope_name).toBe('自来水公司');
    expect((await assess('water', 'month=2026-10&level=grid')).body.rows).toEqual([]);
    // Within narrows the rows and names the scope; outside the caller's scope it is refused.
    const narrowed = await assess('admin', `month=2026-10&level=grid&within=${STREET_A}`);
    expect(narrowed.body.rows.map((row) => row.key).sort()).toEqual([GRID_A1, GRID_A2, GRID_A3]);
    expect(narrowed.body.scope_name).toBe('一街道');
    expect((await assess('operator', `month=2026-10&level=grid&within=${STREET_B}`)).status).toBe(403);
    expect((await assess('installer', 'month=2026-10')).status).toBe(403);
    expect((await api(cloud(), 'GET', '/api/v1/kpis/assessment?month=2026-10')).status).toBe(401);
  });

  it('names the field of a bad query', async () => {
    const bad = await assess('operator', 'month=2026-13&level=grid');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [expect.objectContaining({ pointer: '/month' })] });
    expect((await assess('operator', 'month=2026-10&level=district')).status).toBe(400);
  });

  it('exports the ranking, trends and weights as XLSX with the API’s figures', async () => {
    const answer = (await assess('operator', 'month=2026-10&level=grid')).body;
    const response = await fetch(`${cloud().url}/api/v1/kpis/assessment.xlsx?month=2026-10&level=grid`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('assessment-grid-scope-2026-10.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['排名', '趋势', '权重']);
    const ranking = workbook.getWorksheet('排名') as ExcelJS.Worksheet;
    expect(ranking.getRow(2).values).toEqual(
      expect.arrayContaining(['名次', '编码', '名称', '综合得分', '按期结案率', '满意率']),
    );
    const rateColumn = (code: string) => 9 + KPI_DEFINITIONS.findIndex((d) => d.code === code);
    answer.rows.forEach((row, index) => {
      const line = ranking.getRow(3 + index);
      expect(line.getCell(1).value).toBe(row.rank);
      expect(line.getCell(2).value).toBe(row.key);
      expect(line.getCell(4).value).toBe(row.score);
      expect(line.getCell(4).numFmt).toBe('0.00');
      for (const d of KPI_DEFINITIONS) {
        const percent = row.rates[d.code]?.percent ?? null;
        expect(line.getCell(rateColumn(d.code)).value).toBe(percent === null ? null : percent / 100);
      }
      expect(line.getCell(rateColumn('closing_rate')).numFmt).toBe('0.00%');
    });
    const trends = workbook.getWorksheet('趋势') as ExcelJS.Worksheet;
    expect(trends.getRow(2).values).toEqual([undefined, '编码', '名称', ...answer.months]);
    answer.rows.forEach((row, index) => {
      const line = trends.getRow(3 + index);
      const values = answer.months.map((_, month) => line.getCell(3 + month).value ?? null);
      expect(values).toEqual(row.trend.map((point) => point.score));
    });
    const weights = workbook.getWorksheet('权重') as ExcelJS.Worksheet;
    expect(weights.getRow(3).values).toEqual([undefined, '交办率', 10, '']);
  });
});
