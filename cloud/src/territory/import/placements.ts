import { DeviceId, GatewayId } from '@gridlink/protocol';
import { z } from 'zod';
import type { Queryable } from '../../db/db.js';
import { codeProblem, parentOf } from '../codes.js';
import { invalid, LABEL, liveUnits, wholeNumber } from './buildings.js';
import { type CsvColumn, readCsvRows } from './csv-rows.js';
import { commonRoot, type ImportOutcome, item } from './outcome.js';
import { importProblem } from './problems.js';
import type { TerritoryImportItem, TerritoryImportProblem } from './schemas.js';

/** A device placement as applying writes it. `moved`: the device's current placement ends at `installedAt`. */
export interface PlacementRecord {
  gateway: string;
  device: string;
  grid: string;
  building: string | null;
  unit: string | null;
  floor: number | null;
  /** ISO 8601. */
  installedAt: string;
  moved: boolean;
}

export const PLACEMENT_COLUMNS: readonly CsvColumn[] = [
  { name: 'gateway', aliases: ['网关', '网关编号', 'gateway_id'], required: true },
  { name: 'device', aliases: ['设备', '设备编号', 'device_id'], required: true },
  { name: 'grid', aliases: ['网格', '网格编码', 'grid_code'], required: true },
  { name: 'building', aliases: ['楼栋', '楼号'], required: false },
  { name: 'unit', aliases: ['单元', '单元号'], required: false },
  { name: 'floor', aliases: ['楼层', '层'], required: false },
  { name: 'installed_at', aliases: ['安装时间', 'installed'], required: true },
];

const Instant = z.iso.datetime({ offset: true });

type Parsed = Omit<PlacementRecord, 'moved'> & { line: number };

/** The placement lines of a CSV, each checked on its own; a line with a problem is left out. */
export function readPlacements(text: string): { records: Parsed[]; items: number; problems: TerritoryImportProblem[] } {
  const { rows, problems } = readCsvRows(text, PLACEMENT_COLUMNS);
  const records: Parsed[] = [];
  const firstOf = new Map<string, number>();
  for (const { line, cells } of rows) {
    const found: TerritoryImportProblem[] = [];
    const gateway = cells.gateway ?? '';
    const device = cells.device ?? '';
    if (!GatewayId.safeParse(gateway).success) found.push(invalid(line, 'gateway', gateway, 'gateway_id'));
    if (!DeviceId.safeParse(device).success) found.push(invalid(line, 'device', device, 'device_id'));
    const grid = cells.grid ?? '';
    if (codeProblem(grid, 'grid') !== undefined) found.push(invalid(line, 'grid', grid, 'grid_code'));
    const building = cells.building ?? '';
    const unit = cells.unit ?? '';
    if (building !== '' && !LABEL.test(building)) found.push(invalid(line, 'building', building, 'label'));
    if (unit !== '' && !LABEL.test(unit)) found.push(invalid(line, 'unit', unit, 'label'));
    if ((building === '') !== (unit === '')) found.push(invalid(line, 'unit', unit, 'unit_with_building'));
    const floorText = cells.floor ?? '';
    const floor = floorText === '' ? undefined : wholeNumber(floorText, -10, 200);
    if (floorText !== '' && floor === undefined) found.push(invalid(line, 'floor', floorText, 'floor'));
    if (floorText !== '' && building === '') found.push(invalid(line, 'building', building, 'label'));
    const installedText = cells.installed_at ?? '';
    if (!Instant.safeParse(installedText).success) found.push(invalid(line, 'installed_at', installedText, 'instant'));
    const key = `${gateway}/${device}`;
    const other = firstOf.get(key);
    if (other !== undefined) found.push(importProblem('duplicate_row', { line, field: 'device' }, { other, key }));
    else firstOf.set(key, line);
    if (found.length > 0) {
      problems.push(...found);
      continue;
    }
    records.push({
      line,
      gateway,
      device,
      grid,
      building: building === '' ? null : building,
      unit: unit === '' ? null : unit,
      floor: floor ?? null,
      installedAt: new Date(installedText).toISOString(),
    });
  }
  return { records, items: rows.length, problems };
}

/**
 * A placements CSV against the stored territory: each grid must be stored, each building unit a
 * stored one of the grid's community (in that grid, when it has one) with the floor in it. A
 * device not placed yet is added; one placed elsewhere is moved (its current placement ends when
 * the new one starts, which must be later); one placed there already is unchanged. Devices the file
 * does not name stay where they are. Gateways need not be registered yet (installers record
 * placements first): the preview lists those that are not.
 */
export async function comparePlacements(
  db: Queryable,
  text: string,
): Promise<ImportOutcome<{ placements: PlacementRecord[] }>> {
  const { records, items, problems } = readPlacements(text);
  const live = await liveUnits(db, [...new Set(records.map((r) => r.grid))]);
  const communities = [...new Set(records.map((r) => parentOf(r.grid) as string))];
  const { rows: buildingRows } = await db.query<{
    community_code: string;
    building: string;
    unit: string;
    floors: number;
    grid_code: string | null;
  }>(
    'SELECT community_code, building, unit, floors, grid_code FROM territory_buildings WHERE community_code = ANY($1)',
    [communities],
  );
  const buildingOf = new Map(buildingRows.map((b) => [`${b.community_code}/${b.building}/${b.unit}`, b]));
  const gateways = [...new Set(records.map((r) => r.gateway))];
  const { rows: current } = await db.query<{
    gateway_id: string;
    device_id: string;
    grid_code: string;
    building: string | null;
    unit: string | null;
    floor: number | null;
    installed_at: Date;
  }>(
    `SELECT gateway_id, device_id, grid_code, building, unit, floor, installed_at FROM device_placements
     WHERE removed_at IS NULL AND gateway_id = ANY($1)`,
    [gateways],
  );
  const currentOf = new Map(current.map((c) => [`${c.gateway_id}/${c.device_id}`, c]));
  const { rows: registered } = await db.query<{ id: string }>('SELECT id FROM gateways WHERE id = ANY($1)', [gateways]);
  const known = new Set(registered.map((g) => g.id));

  const added: TerritoryImportItem[] = [];
  const changed: TerritoryImportItem[] = [];
  const unchanged: TerritoryImportItem[] = [];
  const placements: PlacementRecord[] = [];
  for (const r of records) {
    if (!live.has(r.grid)) {
      problems.push(
        importProblem('unit_unknown', { line: r.line, field: 'grid', code: r.grid }, { level: 'grid', code: r.grid }),
      );
      continue;
    }
    const community = parentOf(r.grid) as string;
    if (r.building !== null && r.unit !== null) {
      const b = buildingOf.get(`${community}/${r.building}/${r.unit}`);
      const place = { line: r.line, code: r.grid };
      if (b === undefined) {
        problems.push(
          importProblem(
            'building_unknown',
            { ...place, field: 'building' },
            { community, building: r.building, unit: r.unit },
          ),
        );
        continue;
      }
      if (b.grid_code !== null && b.grid_code !== r.grid) {
        problems.push(
          importProblem(
            'building_other_grid',
            { ...place, field: 'grid' },
            { building: r.building, unit: r.unit, stored: b.grid_code, grid: r.grid },
          ),
        );
        continue;
      }
      if (r.floor !== null && r.floor > b.floors) {
        problems.push(
          importProblem(
            'floor_above',
            { ...place, field: 'floor' },
            { building: r.building, unit: r.unit, floors: b.floors, floor: r.floor },
          ),
        );
        continue;
      }
    }
    const key = `${r.gateway}/${r.device}`;
    const now = currentOf.get(key);
    const samePlace =
      now !== undefined &&
      now.grid_code === r.grid &&
      now.building === r.building &&
      now.unit === r.unit &&
      now.floor === r.floor;
    if (now !== undefined && samePlace && now.installed_at.toISOString() === r.installedAt) {
      unchanged.push(item(key));
      continue;
    }
    if (now !== undefined && now.installed_at.getTime() >= Date.parse(r.installedAt)) {
      problems.push(
        importProblem(
          'placement_not_after',
          { line: r.line, field: 'installed_at' },
          { device: key, installed_at: r.installedAt, current: now.installed_at.toISOString() },
        ),
      );
      continue;
    }
    const { line: _line, ...record } = r;
    placements.push({ ...record, moved: now !== undefined });
    (now === undefined ? added : changed).push(item(key, now === undefined ? {} : { changes: ['moved'] }));
  }
  return {
    root: commonRoot(records.map((r) => r.grid)) ?? null,
    items,
    added,
    changed,
    retired: [],
    unchanged,
    problems,
    unregisteredGateways: gateways.filter((g) => !known.has(g)).sort(),
    payload: { placements },
  };
}
