import type { Queryable } from '../../db/db.js';
import { codeProblem, parentOf } from '../codes.js';
import { positionToWgs84 } from './crs.js';
import { type CsvColumn, readCsvRows } from './csv-rows.js';
import { commonRoot, type ImportOutcome, item } from './outcome.js';
import { importProblem } from './problems.js';
import type { TerritoryImportCrs, TerritoryImportItem, TerritoryImportProblem } from './schemas.js';

/** A building unit (单元) as applying writes it; lon/lat WGS-84, null when the file gives none. */
export interface BuildingRecord {
  community: string;
  building: string;
  unit: string;
  floors: number;
  households: number;
  grid: string | null;
  lon: number | null;
  lat: number | null;
}

export const BUILDING_COLUMNS: readonly CsvColumn[] = [
  { name: 'community', aliases: ['社区', '社区编码', 'community_code'], required: true },
  { name: 'building', aliases: ['楼栋', '楼号', '楼栋号'], required: true },
  { name: 'unit', aliases: ['单元', '单元号'], required: true },
  { name: 'floors', aliases: ['层数', '楼层数', '总层数'], required: true },
  { name: 'households', aliases: ['户数', '住户数'], required: true },
  { name: 'grid', aliases: ['网格', '网格编码', 'grid_code'], required: false },
  { name: 'lon', aliases: ['经度', 'longitude', 'lng'], required: false },
  { name: 'lat', aliases: ['纬度', 'latitude'], required: false },
];

export const LABEL = /^.{1,32}$/u;

/** A whole number in [min, max] from a cell, or undefined. */
export function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A decimal in [min, max] from a cell, or undefined. */
export function decimal(text: string, min: number, max: number): number | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

export const invalid = (line: number, field: string, value: string, expected: string, code?: string) =>
  importProblem(
    'value_invalid',
    { line, field, ...(code === undefined ? {} : { code }) },
    { field, value: JSON.stringify(value.slice(0, 40)), expected },
  );

/** The building lines of a CSV, each checked on its own; a line with a problem is left out. */
export function readBuildings(
  text: string,
  crs: TerritoryImportCrs,
): { records: Array<BuildingRecord & { line: number }>; items: number; problems: TerritoryImportProblem[] } {
  const { rows, problems } = readCsvRows(text, BUILDING_COLUMNS);
  const records: Array<BuildingRecord & { line: number }> = [];
  const firstOf = new Map<string, number>();
  for (const { line, cells } of rows) {
    const found: TerritoryImportProblem[] = [];
    const community = cells.community ?? '';
    if (codeProblem(community, 'community') !== undefined)
      found.push(invalid(line, 'community', community, 'community_code'));
    const building = cells.building ?? '';
    const unit = cells.unit ?? '';
    if (!LABEL.test(building)) found.push(invalid(line, 'building', building, 'label'));
    if (!LABEL.test(unit)) found.push(invalid(line, 'unit', unit, 'label'));
    const floors = wholeNumber(cells.floors ?? '', 1, 200);
    if (floors === undefined) found.push(invalid(line, 'floors', cells.floors ?? '', 'floors'));
    const households = wholeNumber(cells.households ?? '', 0, 10_000);
    if (households === undefined) found.push(invalid(line, 'households', cells.households ?? '', 'households'));
    const grid = cells.grid ?? '';
    if (grid !== '' && codeProblem(grid, 'grid') !== undefined) found.push(invalid(line, 'grid', grid, 'grid_code'));
    else if (grid !== '' && codeProblem(community, 'community') === undefined && parentOf(grid) !== community)
      found.push(importProblem('grid_other_community', { line, field: 'grid', code: grid }, { grid, community }));
    const lonText = cells.lon ?? '';
    const latText = cells.lat ?? '';
    const lon = lonText === '' ? undefined : decimal(lonText, -180, 180);
    const lat = latText === '' ? undefined : decimal(latText, -90, 90);
    if (lonText !== '' && lon === undefined) found.push(invalid(line, 'lon', lonText, 'lon'));
    if (latText !== '' && lat === undefined) found.push(invalid(line, 'lat', latText, 'lat'));
    if ((lonText === '') !== (latText === '')) found.push(importProblem('position_pair', { line, field: 'lon' }));
    const key = `${community}/${building}/${unit}`;
    const other = firstOf.get(key);
    if (other !== undefined) found.push(importProblem('duplicate_row', { line, field: 'unit' }, { other, key }));
    else firstOf.set(key, line);
    if (found.length > 0) {
      problems.push(...found);
      continue;
    }
    const position = lon !== undefined && lat !== undefined ? positionToWgs84(lon, lat, crs) : undefined;
    records.push({
      line,
      community,
      building,
      unit,
      floors: floors as number,
      households: households as number,
      grid: grid === '' ? null : grid,
      lon: position === undefined ? null : round7(position.lon),
      lat: position === undefined ? null : round7(position.lat),
    });
  }
  return { records, items: rows.length, problems };
}

const round7 = (n: number) => Math.round(n * 1e7) / 1e7;

/** Codes of live (not retired) units among `codes`. */
export async function liveUnits(db: Queryable, codes: readonly string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const { rows } = await db.query<{ code: string }>(
    'SELECT code FROM territory_units WHERE code = ANY($1) AND retired_at IS NULL',
    [codes],
  );
  return new Set(rows.map((row) => row.code));
}

/**
 * A buildings CSV against the stored territory: communities and grids must be stored; each line
 * adds a building unit or changes its floors, households, grid or position. Building units the file
 * does not name are kept (a buildings file may cover part of a community): none are retired.
 */
export async function compareBuildings(
  db: Queryable,
  text: string,
  crs: TerritoryImportCrs,
): Promise<ImportOutcome<{ buildings: BuildingRecord[] }>> {
  const { records, items, problems } = readBuildings(text, crs);
  const codes = [...new Set(records.flatMap((r) => (r.grid === null ? [r.community] : [r.community, r.grid])))];
  const live = await liveUnits(db, codes);
  const { rows: stored } = await db.query<{
    community_code: string;
    building: string;
    unit: string;
    floors: number;
    households: number;
    grid_code: string | null;
    lon: number | null;
    lat: number | null;
  }>(
    `SELECT community_code, building, unit, floors, households, grid_code, lon, lat FROM territory_buildings
     WHERE community_code = ANY($1)`,
    [[...new Set(records.map((r) => r.community))]],
  );
  const storedOf = new Map(stored.map((s) => [`${s.community_code}/${s.building}/${s.unit}`, s]));
  const added: TerritoryImportItem[] = [];
  const changed: TerritoryImportItem[] = [];
  const unchanged: TerritoryImportItem[] = [];
  const buildings: BuildingRecord[] = [];
  for (const r of records) {
    const missing = [
      ['community', r.community],
      ['grid', r.grid],
    ].filter(([, code]) => code !== null && !live.has(code as string)) as Array<['community' | 'grid', string]>;
    if (missing.length > 0) {
      for (const [level, code] of missing)
        problems.push(importProblem('unit_unknown', { line: r.line, field: level, code }, { level, code }));
      continue;
    }
    const { line: _line, ...record } = r;
    buildings.push(record);
    const key = `${r.community}/${r.building}/${r.unit}`;
    const before = storedOf.get(key);
    if (before === undefined) {
      added.push(item(key));
      continue;
    }
    const changes = [
      before.floors !== r.floors ? 'floors' : '',
      before.households !== r.households ? 'households' : '',
      before.grid_code !== r.grid ? 'grid' : '',
      r.lon !== null && (before.lon !== r.lon || before.lat !== r.lat) ? 'position' : '',
    ].filter((c) => c !== '');
    (changes.length > 0 ? changed : unchanged).push(item(key, { changes }));
  }
  return {
    root: commonRoot(records.map((r) => r.community)) ?? null,
    items,
    added,
    changed,
    retired: [],
    unchanged,
    problems,
    unregisteredGateways: [],
    payload: { buildings },
  };
}
