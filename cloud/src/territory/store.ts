import { DeviceId, GatewayId } from '@gridlink/protocol';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { levelOf, parentOf, TerritoryCode, type TerritoryLevel, territoryCode } from './codes.js';
import { parseField, TerritoryError } from './errors.js';
import type { LonLat } from './gcj02.js';
import { GridResolver } from './grid-index.js';
import { Area, boundingBox } from './polygon.js';
import type { GridResolution, PolygonVersion } from './resolve.js';

/** A territory unit to add or rename; its level and parent follow from its code. */
export const TerritoryUnitInput = z.strictObject({
  code: TerritoryCode,
  nameZh: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().min(1).max(200).optional(),
});
export type TerritoryUnitInput = z.input<typeof TerritoryUnitInput>;

export interface TerritoryUnit {
  code: string;
  level: TerritoryLevel;
  parentCode: string | null;
  nameZh: string;
  nameEn: string | null;
}

const Label = z.string().trim().min(1).max(32);

/** A building unit (单元) of a community; `grid` is the grid it belongs to, when known. */
export const BuildingInput = z
  .strictObject({
    community: territoryCode('community'),
    building: Label,
    unit: Label,
    floors: z.int().min(1).max(200),
    households: z.int().min(0).max(10_000),
    grid: territoryCode('grid').optional(),
    /** Where the building unit stands (its entrance), WGS-84: what an arrival on site is measured to. */
    position: z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) }).optional(),
  })
  .refine((b) => b.grid === undefined || parentOf(b.grid) === b.community, {
    message: 'a building belongs to a grid of its own community',
    path: ['grid'],
  });
export type BuildingInput = z.input<typeof BuildingInput>;

export interface Building {
  community: string;
  building: string;
  unit: string;
  floors: number;
  households: number;
  grid: string | null;
}

/** Where a fixed device was installed, and when. Building and unit go together; a floor needs them. */
export const PlacementInput = z
  .strictObject({
    gatewayId: GatewayId,
    deviceId: DeviceId,
    grid: territoryCode('grid'),
    building: Label.optional(),
    unit: Label.optional(),
    floor: z.int().min(-10).max(200).optional(),
    installedAt: z.date(),
  })
  .refine((p) => (p.building === undefined) === (p.unit === undefined), {
    message: 'building and unit are given together or not at all',
    path: ['unit'],
  })
  .refine((p) => p.floor === undefined || p.building !== undefined, {
    message: 'a floor needs a building and unit',
    path: ['floor'],
  });
export type PlacementInput = z.input<typeof PlacementInput>;

export interface DevicePlacement {
  gatewayId: string;
  deviceId: string;
  grid: string;
  community: string;
  building: string | null;
  unit: string | null;
  floor: number | null;
  installedAt: Date;
  /** When the device was placed elsewhere; null while this is where it is. */
  removedAt: Date | null;
}

const Instant = z.date();
const Point = z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) });

interface PolygonRow {
  id: number;
  unit_code: string;
  level: TerritoryLevel;
  area: Area;
  valid_from: Date;
  valid_to: Date | null;
}

interface PlacementRow {
  gateway_id: string;
  device_id: string;
  grid_code: string;
  community_code: string;
  building: string | null;
  unit: string | null;
  floor: number | null;
  installed_at: Date;
  removed_at: Date | null;
}

const POLYGON_COLUMNS = 'p.id, p.unit_code, u.level, p.area, p.valid_from, p.valid_to';
const PLACEMENT_COLUMNS =
  'gateway_id, device_id, grid_code, community_code, building, unit, floor, installed_at, removed_at';

const toVersion = (row: PolygonRow): PolygonVersion => ({
  id: row.id,
  code: row.unit_code,
  level: row.level,
  area: row.area,
  validFrom: row.valid_from,
  validTo: row.valid_to,
});

const toPlacement = (row: PlacementRow): DevicePlacement => ({
  gatewayId: row.gateway_id,
  deviceId: row.device_id,
  grid: row.grid_code,
  community: row.community_code,
  building: row.building,
  unit: row.unit,
  floor: row.floor,
  installedAt: row.installed_at,
  removedAt: row.removed_at,
});

const iso = (date: Date) => date.toISOString();

/** The grid and community areas of one database, indexed for {@link TerritoryStore.resolveGrid}. */
interface IndexedAreas {
  /** What the areas table looked like when they were read: see {@link fingerprintOf}. */
  fingerprint: string;
  resolver: GridResolver;
}

// Shared by every store on one database, so a change made through any of them is seen by all.
const indexedAreas = new WeakMap<Db, Promise<IndexedAreas>>();

/**
 * Changes to the areas table: a version added (count and largest id grow), closed (count of ended
 * versions grows) or removed (count falls). Cheap: one aggregate over an indexed table.
 */
async function fingerprintOf(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ n: number; max_id: number | null; ended: number }>(
    'SELECT count(*)::int AS n, max(id) AS max_id, count(valid_to)::int AS ended FROM territory_polygons',
  );
  const row = rows[0];
  return `${row?.n}/${row?.max_id}/${row?.ended}`;
}

export interface TerritoryStoreOptions {
  /** For the age of the indexed areas; default the system clock. */
  clock?: Clock;
  /**
   * How long indexed areas are trusted before the table is checked again for changes made
   * elsewhere (another process, an import writing SQL). Default 0: every resolution checks (one
   * aggregate query of three numbers, instead of reading the candidate areas as before), so a
   * change is seen at once wherever it was made; a batch job may trust them longer. Changes
   * through a store are always seen at once.
   */
  recheckMs?: number;
}

/**
 * The territory in the database: units, their areas over time, buildings, and device placements.
 * Input is validated here; bad input throws a {@link TerritoryError} naming the field.
 */
export class TerritoryStore {
  private readonly clock: Clock;
  private readonly recheckMs: number;
  /** The indexed areas this store last found current, and when (its own clock: stores may differ). */
  private checked: { areas: IndexedAreas; at: number } | undefined;

  constructor(
    private readonly db: Db,
    options: TerritoryStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.recheckMs = options.recheckMs ?? 0;
  }

  /** Forgets the indexed areas of this database: the next resolution reads them anew. */
  forgetIndexedAreas(): void {
    indexedAreas.delete(this.db);
  }

  /**
   * Adds units, or renames existing ones (a code's level and parent never change). Parents come
   * first whatever the order given; a parent must exist already or be in the same call.
   */
  async upsertUnits(units: readonly TerritoryUnitInput[]): Promise<void> {
    const parsed = units.map((unit, index) => ({ index, ...parseField(TerritoryUnitInput, unit, `units.${index}`) }));
    parsed.sort((a, b) => a.code.length - b.code.length);
    await this.db.transaction(async (tx) => {
      for (const unit of parsed) {
        const parent = parentOf(unit.code) ?? null;
        if (parent !== null && !(await unitExists(tx, parent))) {
          throw new TerritoryError(
            `units.${unit.index}.code`,
            `parent ${parent} of ${unit.code} is unknown: add it first or in the same call`,
          );
        }
        await tx.query(
          `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en`,
          [unit.code, levelOf(unit.code), parent, unit.nameZh, unit.nameEn ?? null],
        );
      }
    });
  }

  /** One unit, or undefined when the code is not known. */
  async unit(code: string): Promise<TerritoryUnit | undefined> {
    const { rows } = await this.db.query<{
      code: string;
      level: TerritoryLevel;
      parent_code: string | null;
      name_zh: string;
      name_en: string | null;
    }>('SELECT code, level, parent_code, name_zh, name_en FROM territory_units WHERE code = $1', [code]);
    const row = rows[0];
    return row === undefined
      ? undefined
      : { code: row.code, level: row.level, parentCode: row.parent_code, nameZh: row.name_zh, nameEn: row.name_en };
  }

  /**
   * Adds a version of a unit's area in force from `validFrom` (until `validTo`, or open-ended). The
   * version in force until then is closed at `validFrom`. Versions are added in time order: one
   * starting before the latest version's start, or before a closed latest version's end, is refused.
   */
  async addPolygon(code: string, area: Area, validFrom: Date, validTo?: Date): Promise<PolygonVersion> {
    parseField(TerritoryCode, code, 'code');
    const checked = parseField(Area, area, 'area');
    parseField(Instant, validFrom, 'valid_from');
    if (validTo !== undefined) {
      parseField(Instant, validTo, 'valid_to');
      if (validTo.getTime() <= validFrom.getTime()) {
        throw new TerritoryError('valid_to', `${iso(validTo)} is not after valid_from ${iso(validFrom)}`);
      }
    }
    const box = boundingBox(checked);
    const changed = await this.db.transaction(async (tx) => {
      const { rows: units } = await tx.query<{ level: TerritoryLevel }>(
        'SELECT level FROM territory_units WHERE code = $1 FOR UPDATE',
        [code],
      );
      const unit = units[0];
      if (unit === undefined) throw new TerritoryError('code', `territory unit ${code} is unknown: add it first`);
      const { rows: latest } = await tx.query<{ id: number; valid_from: Date; valid_to: Date | null }>(
        'SELECT id, valid_from, valid_to FROM territory_polygons WHERE unit_code = $1 ORDER BY valid_from DESC LIMIT 1',
        [code],
      );
      const previous = latest[0];
      if (previous !== undefined) {
        if (validFrom.getTime() <= previous.valid_from.getTime()) {
          throw new TerritoryError(
            'valid_from',
            `${iso(validFrom)} is not after ${iso(previous.valid_from)}, when the latest area of ${code} starts; versions are added in time order`,
          );
        }
        if (previous.valid_to === null) {
          await tx.query('UPDATE territory_polygons SET valid_to = $2 WHERE id = $1', [previous.id, validFrom]);
        } else if (previous.valid_to.getTime() > validFrom.getTime()) {
          throw new TerritoryError(
            'valid_from',
            `${iso(validFrom)} is before ${iso(previous.valid_to)}, when the latest area of ${code} ends; versions may not overlap`,
          );
        }
      }
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO territory_polygons (unit_code, valid_from, valid_to, area, min_lon, min_lat, max_lon, max_lat)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) RETURNING id`,
        [code, validFrom, validTo ?? null, JSON.stringify(checked), box.minLon, box.minLat, box.maxLon, box.maxLat],
      );
      return {
        id: (rows[0] as { id: number }).id,
        code,
        level: unit.level,
        area: checked,
        validFrom,
        validTo: validTo ?? null,
      };
    });
    this.forgetIndexedAreas();
    return changed;
  }

  /** Ends the current area of a unit at `validTo` (a grid abolished or merged); false if it had none. */
  async closePolygon(code: string, validTo: Date): Promise<boolean> {
    parseField(Instant, validTo, 'valid_to');
    const changed = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: number; valid_from: Date }>(
        'SELECT id, valid_from FROM territory_polygons WHERE unit_code = $1 AND valid_to IS NULL FOR UPDATE',
        [code],
      );
      const open = rows[0];
      if (open === undefined) return false;
      if (validTo.getTime() <= open.valid_from.getTime()) {
        throw new TerritoryError(
          'valid_to',
          `${iso(validTo)} is not after ${iso(open.valid_from)}, when the current area of ${code} starts`,
        );
      }
      await tx.query('UPDATE territory_polygons SET valid_to = $2 WHERE id = $1', [open.id, validTo]);
      return true;
    });
    if (changed) this.forgetIndexedAreas();
    return changed;
  }

  /** Every version of a unit's area, oldest first. */
  async polygonVersions(code: string): Promise<PolygonVersion[]> {
    const { rows } = await this.db.query<PolygonRow>(
      `SELECT ${POLYGON_COLUMNS} FROM territory_polygons p JOIN territory_units u ON u.code = p.unit_code
       WHERE p.unit_code = $1 ORDER BY p.valid_from`,
      [code],
    );
    return rows.map(toVersion);
  }

  /**
   * The grid owning a WGS-84 point at time `at` (the event's time, not now), else its community
   * (属地兜底): see {@link resolveGrid}. Convert phone coordinates with `gcj02ToWgs84` first.
   * The areas are read once per database and indexed per validity window ({@link GridResolver});
   * they are read again after a change through any store, or one found in the table (checked
   * before each resolution, or every `recheckMs`).
   */
  async resolveGrid(point: LonLat, at: Date): Promise<GridResolution> {
    const { lon, lat } = parseField(Point, point, 'point');
    parseField(Instant, at, 'at');
    const { resolver } = await this.indexed();
    return resolver.resolve({ lon, lat }, at);
  }

  private async indexed(): Promise<IndexedAreas> {
    const now = this.clock().getTime();
    const cached = indexedAreas.get(this.db);
    const areas = cached === undefined ? undefined : await cached.catch(() => undefined);
    if (areas !== undefined) {
      if (this.checked?.areas === areas && now - this.checked.at < this.recheckMs) return areas;
      if ((await fingerprintOf(this.db)) === areas.fingerprint) {
        this.checked = { areas, at: now };
        return areas;
      }
    }
    const loading = this.readAreas();
    indexedAreas.set(this.db, loading);
    loading.catch(() => {
      if (indexedAreas.get(this.db) === loading) indexedAreas.delete(this.db);
    });
    const loaded = await loading;
    this.checked = { areas: loaded, at: now };
    return loaded;
  }

  private async readAreas(): Promise<IndexedAreas> {
    // The fingerprint first: a change landing between the two reads is then seen at the next check.
    const fingerprint = await fingerprintOf(this.db);
    const { rows } = await this.db.query<PolygonRow>(
      `SELECT ${POLYGON_COLUMNS} FROM territory_polygons p JOIN territory_units u ON u.code = p.unit_code
       WHERE u.level IN ('grid', 'community')`,
    );
    return { fingerprint, resolver: new GridResolver(rows.map(toVersion)) };
  }

  /** Adds building units or updates their floors, households and grid. */
  async upsertBuildings(buildings: readonly BuildingInput[]): Promise<void> {
    const parsed = buildings.map((b, index) => ({ index, ...parseField(BuildingInput, b, `buildings.${index}`) }));
    await this.db.transaction(async (tx) => {
      for (const b of parsed) {
        for (const [field, code] of [
          ['community', b.community],
          ['grid', b.grid],
        ] as const) {
          if (code !== undefined && !(await unitExists(tx, code))) {
            throw new TerritoryError(
              `buildings.${b.index}.${field}`,
              `territory unit ${code} is unknown: add it first`,
            );
          }
        }
        await tx.query(
          `INSERT INTO territory_buildings (community_code, building, unit, floors, households, grid_code)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (community_code, building, unit)
           DO UPDATE SET floors = EXCLUDED.floors, households = EXCLUDED.households, grid_code = EXCLUDED.grid_code`,
          [b.community, b.building, b.unit, b.floors, b.households, b.grid ?? null],
        );
        // Only when given: a territory import that knows no positions keeps the ones recorded.
        if (b.position !== undefined)
          await tx.query(
            'UPDATE territory_buildings SET lon = $4, lat = $5 WHERE community_code = $1 AND building = $2 AND unit = $3',
            [b.community, b.building, b.unit, b.position.lon, b.position.lat],
          );
      }
    });
  }

  /** The building units of a community, in building and unit order. */
  async buildings(community: string): Promise<Building[]> {
    const { rows } = await this.db.query<{
      community_code: string;
      building: string;
      unit: string;
      floors: number;
      households: number;
      grid_code: string | null;
    }>(
      `SELECT community_code, building, unit, floors, households, grid_code FROM territory_buildings
       WHERE community_code = $1 ORDER BY building, unit`,
      [community],
    );
    return rows.map((row) => ({
      community: row.community_code,
      building: row.building,
      unit: row.unit,
      floors: row.floors,
      households: row.households,
      grid: row.grid_code,
    }));
  }

  /**
   * Records where a fixed device was installed. Its previous placement, if any, ends at
   * `installedAt`. Repeating the current placement (same time, same place) changes nothing.
   */
  async placeDevice(input: PlacementInput): Promise<DevicePlacement> {
    const p = parseField(PlacementInput, input, 'placement');
    const community = parentOf(p.grid) as string;
    return this.db.transaction(async (tx) => {
      if (!(await unitExists(tx, p.grid))) {
        throw new TerritoryError('placement.grid', `grid ${p.grid} is unknown: add it first`);
      }
      if (p.building !== undefined && p.unit !== undefined) {
        const { rows } = await tx.query<{ floors: number; grid_code: string | null }>(
          'SELECT floors, grid_code FROM territory_buildings WHERE community_code = $1 AND building = $2 AND unit = $3',
          [community, p.building, p.unit],
        );
        const building = rows[0];
        const where = `building ${p.building} unit ${p.unit}`;
        if (building === undefined) {
          throw new TerritoryError('placement.building', `${where} is not a building unit of community ${community}`);
        }
        if (building.grid_code !== null && building.grid_code !== p.grid) {
          throw new TerritoryError('placement.grid', `${where} belongs to grid ${building.grid_code}, not ${p.grid}`);
        }
        if (p.floor !== undefined && p.floor > building.floors) {
          throw new TerritoryError('placement.floor', `${where} has ${building.floors} floors, not ${p.floor}`);
        }
      }
      const { rows: open } = await tx.query<PlacementRow>(
        `SELECT ${PLACEMENT_COLUMNS} FROM device_placements
         WHERE gateway_id = $1 AND device_id = $2 AND removed_at IS NULL FOR UPDATE`,
        [p.gatewayId, p.deviceId],
      );
      const current = open[0] && toPlacement(open[0]);
      if (current !== undefined) {
        if (current.installedAt.getTime() === p.installedAt.getTime() && samePlace(current, p)) return current;
        if (p.installedAt.getTime() <= current.installedAt.getTime()) {
          throw new TerritoryError(
            'placement.installedAt',
            `${iso(p.installedAt)} is not after ${iso(current.installedAt)}, when the current placement of ${p.deviceId} began`,
          );
        }
        await tx.query(
          'UPDATE device_placements SET removed_at = $4 WHERE gateway_id = $1 AND device_id = $2 AND installed_at = $3',
          [p.gatewayId, p.deviceId, current.installedAt, p.installedAt],
        );
      }
      const { rows } = await tx.query<PlacementRow>(
        `INSERT INTO device_placements (gateway_id, device_id, installed_at, grid_code, community_code, building, unit, floor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${PLACEMENT_COLUMNS}`,
        [
          p.gatewayId,
          p.deviceId,
          p.installedAt,
          p.grid,
          community,
          p.building ?? null,
          p.unit ?? null,
          p.floor ?? null,
        ],
      );
      return toPlacement(rows[0] as PlacementRow);
    });
  }

  /**
   * Where a device was installed at time `at` (an event's time), or where it is now when `at` is
   * not given; undefined when it was not installed then.
   */
  async placeOf(gatewayId: string, deviceId: string, at?: Date): Promise<DevicePlacement | undefined> {
    const { rows } =
      at === undefined
        ? await this.db.query<PlacementRow>(
            `SELECT ${PLACEMENT_COLUMNS} FROM device_placements
             WHERE gateway_id = $1 AND device_id = $2 AND removed_at IS NULL`,
            [gatewayId, deviceId],
          )
        : await this.db.query<PlacementRow>(
            `SELECT ${PLACEMENT_COLUMNS} FROM device_placements
             WHERE gateway_id = $1 AND device_id = $2 AND installed_at <= $3 AND (removed_at IS NULL OR removed_at > $3)`,
            [gatewayId, deviceId, parseField(Instant, at, 'at')],
          );
    return rows[0] && toPlacement(rows[0]);
  }
}

/**
 * Where each of several devices was installed at its moment, in one query (the alert intake asks
 * for a whole batch): the answers in the order asked, undefined where the cloud has no placement.
 */
export async function placesAt(
  db: Queryable,
  asked: ReadonlyArray<{ gatewayId: string; deviceId: string; at: Date }>,
): Promise<Array<DevicePlacement | undefined>> {
  if (asked.length === 0) return [];
  const { rows } = await db.query<PlacementRow & { position: number }>(
    `SELECT q.position, p.gateway_id, p.device_id, p.grid_code, p.community_code, p.building, p.unit, p.floor,
            p.installed_at, p.removed_at
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS q(gateway_id, device_id, at, position)
       JOIN device_placements AS p
         ON p.gateway_id = q.gateway_id AND p.device_id = q.device_id AND p.installed_at <= q.at
        AND (p.removed_at IS NULL OR p.removed_at > q.at)`,
    [
      asked.map((item) => item.gatewayId),
      asked.map((item) => item.deviceId),
      asked.map((item) => parseField(Instant, item.at, 'at').toISOString()),
    ],
  );
  const found: Array<DevicePlacement | undefined> = asked.map(() => undefined);
  for (const row of rows) found[Number(row.position) - 1] = toPlacement(row);
  return found;
}

async function unitExists(tx: Queryable, code: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM territory_units WHERE code = $1', [code]);
  return rows.length > 0;
}

function samePlace(current: DevicePlacement, p: z.output<typeof PlacementInput>): boolean {
  return (
    current.grid === p.grid &&
    current.building === (p.building ?? null) &&
    current.unit === (p.unit ?? null) &&
    current.floor === (p.floor ?? null)
  );
}
