import { codeProblem, type TerritoryLevel } from './codes.js';
import { type CoordinateSystem, type LonLat, wgs84ToGcj02 } from './gcj02.js';
import type { GeoPolygon, Position } from './polygon.js';

/**
 * A made-up but realistic district around 淮安区 (Huai'an, 320803) for imports, benchmarks and
 * pages: streets → communities → grids, buildings and device placements. The same options give
 * the same district, byte for byte (seeded; no clock, no Math.random).
 *
 * Geometry: one lattice of cells (about `cellMetres` square) covers the district; every lattice
 * corner is moved by up to 0.18 of a cell and every edge gets a midpoint pushed sideways by up to
 * 0.09, so each cell is an irregular octagon. Those bounds keep each octagon simple (the left
 * edge's points stay left of 0.27, the right edge's right of 0.73, and so on), and neighbours share
 * their edge's points, so the grids tile their community without gaps or overlaps. A grid is one
 * cell; a community a block of cells (10 grids: 5 × 2); a street a run of communities taken in
 * snake order (so it is connected); their outlines follow the same shared points.
 */
export interface DistrictOptions {
  /** Default 2026. */
  seed?: number;
  /** The district's code and names; default 320803 淮安区. Its streets keep 淮安区's names. */
  district?: { code: string; nameZh: string; nameEn: string };
  /** Default 10. */
  streets?: number;
  /** Default 13 (130 communities in all). */
  communitiesPerStreet?: number;
  /** Default 10. */
  gridsPerCommunity?: number;
  /** Side of a grid, about; default 200 m. */
  cellMetres?: number;
  /** Centre of the district, WGS-84; default near the centre of 淮安区. */
  centre?: LonLat;
  /** Building units (rows of the buildings CSV); default 10,000. */
  buildings?: number;
  /** Device placements (rows of the placements CSV); default 500,000, generated as read. */
  placements?: number;
  /** Coordinates of the boundaries and of the buildings' positions; default WGS-84. */
  coordinateSystem?: CoordinateSystem;
  /** Whether the GeoJSON has a feature for the district itself; default true. */
  includeDistrict?: boolean;
  /** Whether the GeoJSON names its system in a top-level `coordinate_system` member; default true. */
  declareCoordinateSystem?: boolean;
  /** Damage this many grids (kinds taken in turn from {@link BREAKAGE_KINDS}), or these kinds, one grid each. */
  breakages?: number | readonly BreakageKind[];
}

/** The ways a grid's feature can be damaged, each a mistake seen in real boundary files. */
export const BREAKAGE_KINDS = [
  'self_intersection',
  'overlaps_sibling',
  'outside_community',
  'duplicate_code',
  'malformed_code',
] as const;
export type BreakageKind = (typeof BREAKAGE_KINDS)[number];

/** What was damaged: the grid's real `code`, and the code its feature now carries. */
export interface Breakage {
  kind: BreakageKind;
  code: string;
  /** The code in the file: the same as `code`, except for `duplicate_code` and `malformed_code`. */
  featureCode: string;
  /** For `overlaps_sibling` the sibling overlapped, for `duplicate_code` the grid whose code was taken. */
  sibling?: string;
  detail: string;
}

export interface DistrictUnit {
  code: string;
  level: TerritoryLevel;
  parentCode: string | null;
  nameZh: string;
  nameEn: string;
  /** The undamaged area, WGS-84. */
  area: GeoPolygon;
}

export interface BoundaryFeature {
  type: 'Feature';
  properties: { code: string; name_zh: string; name_en: string };
  geometry: GeoPolygon;
}

export interface BoundaryCollection {
  type: 'FeatureCollection';
  coordinate_system?: CoordinateSystem;
  features: BoundaryFeature[];
}

/** A row of the buildings CSV: one building unit (单元). Positions in the chosen coordinate system. */
export interface BuildingRow {
  community: string;
  building: string;
  unit: string;
  floors: number;
  households: number;
  grid: string;
  lon: number;
  lat: number;
}

/** A row of the placements CSV: where a fixed device was installed, and when (ISO 8601). */
export interface PlacementRow {
  gateway: string;
  device: string;
  grid: string;
  building: string;
  unit: string;
  floor: number;
  installed_at: string;
}

export const BUILDING_COLUMNS = [
  'community',
  'building',
  'unit',
  'floors',
  'households',
  'grid',
  'lon',
  'lat',
] as const;
export const PLACEMENT_COLUMNS = ['gateway', 'device', 'grid', 'building', 'unit', 'floor', 'installed_at'] as const;

export interface GeneratedDistrict {
  district: DistrictUnit;
  /** District, streets, communities and grids, parents before children, undamaged, WGS-84. */
  units: DistrictUnit[];
  /** Only the grids of {@link units}. */
  grids: DistrictUnit[];
  /** The grids damaged in {@link boundaries}, in the order they were chosen. */
  broken: Breakage[];
  /**
   * The district (unless `includeDistrict` is false), streets, communities and grids as a GeoJSON
   * FeatureCollection in the chosen coordinate system, with the damage.
   */
  boundaries(): BoundaryCollection;
  buildingRows(): Iterable<BuildingRow>;
  placementRows(): Iterable<PlacementRow>;
  /** The buildings CSV, line by line (header first, each line ends in \n). */
  buildingsCsv(): Iterable<string>;
  /** The placements CSV, line by line, generated as read so 500,000 rows take no memory. */
  placementsCsv(): Iterable<string>;
}

export const DISTRICT_CODE = '320803';
const DEFAULT_CENTRE: LonLat = { lon: 119.15, lat: 33.5 };
const METRES_PER_DEGREE_LAT = 111_320;
const CORNER_JITTER = 0.18;
const MIDPOINT_JITTER = 0.09;

/** Generates the district; see {@link DistrictOptions} for the defaults. */
export function generateDistrict(options: DistrictOptions = {}): GeneratedDistrict {
  const seed = options.seed ?? 2026;
  const streets = count(options.streets ?? 10, 'streets', 999);
  const perStreet = count(options.communitiesPerStreet ?? 13, 'communitiesPerStreet', 999);
  const perCommunity = count(options.gridsPerCommunity ?? 10, 'gridsPerCommunity', 899);
  const buildingCount = count(options.buildings ?? 10_000, 'buildings', 10_000_000, 0);
  const placementCount = count(options.placements ?? 500_000, 'placements', 100_000_000, 0);
  const system = options.coordinateSystem ?? 'wgs84';
  const lattice = new Lattice(
    seededRandom(seed, 'lattice'),
    streets * perStreet,
    perCommunity,
    options.centre ?? DEFAULT_CENTRE,
    options.cellMetres ?? 200,
  );
  const top = options.district ?? { code: DISTRICT_CODE, nameZh: '淮安区', nameEn: "Huai'an District" };
  if (codeProblem(top.code, 'district') !== undefined) {
    throw new RangeError(`district.code: ${codeProblem(top.code, 'district')}`);
  }
  const plan = planUnits(seededRandom(seed, 'names'), lattice, streets, perStreet, top);
  const broken = chooseBreakages(seededRandom(seed, 'breakages'), plan, lattice, options.breakages ?? 0);
  const toSystem = (p: Position): Position => {
    if (system === 'wgs84') return p;
    const g = wgs84ToGcj02({ lon: p[0], lat: p[1] });
    return [round7(g.lon), round7(g.lat)];
  };

  const buildingRows = function* (): Generator<BuildingRow> {
    yield* generateBuildings(seed, plan, lattice, buildingCount, toSystem);
  };
  const placementRows = function* (): Generator<PlacementRow> {
    yield* generatePlacements(seed, buildingRows(), buildingCount, placementCount);
  };
  return {
    district: plan.units[0] as DistrictUnit,
    units: [...plan.units],
    grids: plan.units.filter((u) => u.level === 'grid'),
    broken: broken.map((b) => b.breakage),
    boundaries: () => {
      const damage = new Map(broken.map((b) => [b.breakage.code, b]));
      const listed = (options.includeDistrict ?? true) ? plan.units : plan.units.filter((u) => u.level !== 'district');
      const features = listed.map((unit): BoundaryFeature => {
        const hurt = damage.get(unit.code);
        const ring = (hurt?.ring ?? unit.area.coordinates[0] ?? []).map(toSystem);
        return {
          type: 'Feature',
          properties: { code: hurt?.breakage.featureCode ?? unit.code, name_zh: unit.nameZh, name_en: unit.nameEn },
          geometry: { type: 'Polygon', coordinates: [ring] },
        };
      });
      const collection: BoundaryCollection = { type: 'FeatureCollection', features };
      if (options.declareCoordinateSystem ?? true) {
        return { type: 'FeatureCollection', coordinate_system: system, features };
      }
      return collection;
    },
    buildingRows,
    placementRows,
    buildingsCsv: function* () {
      yield csvLine(BUILDING_COLUMNS);
      for (const row of buildingRows()) yield csvLine(BUILDING_COLUMNS.map((column) => row[column]));
    },
    placementsCsv: function* () {
      yield csvLine(PLACEMENT_COLUMNS);
      for (const row of placementRows()) yield csvLine(PLACEMENT_COLUMNS.map((column) => row[column]));
    },
  };
}

function count(value: number, field: string, max: number, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field}: expected a whole number from ${min} to ${max}, received ${value}`);
  }
  return value;
}

/**
 * A CSV line (RFC 4180). Hand-written rather than csv-stringify: the rows are generated lazily one
 * at a time and the quoting rule is three lines.
 */
export function csvLine(values: readonly (string | number)[]): string {
  return `${values.map((v) => (typeof v === 'string' && /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : String(v))).join(',')}\n`;
}

type Random = () => number;

/**
 * mulberry32, seeded from `seed` and a purpose, so each purpose has its own stream (changing the
 * number of buildings does not move a grid). Hand-written: eight lines, and the cloud package
 * does not depend on the simulators, which hold the same generator.
 */
function seededRandom(seed: number, purpose: string): Random {
  let state = seed >>> 0;
  for (let i = 0; i < purpose.length; i++) state = Math.imul(state ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round7 = (value: number) => Math.round(value * 1e7) / 1e7;

/** A lattice point: a cell corner `c`, or the midpoint of a horizontal `h` or vertical `v` edge. */
type PointKey = string;

/** The jittered lattice of cells and the block of cells each community takes. */
class Lattice {
  /** Communities across and down. */
  readonly across: number;
  readonly down: number;
  /** Cells of one community across and down. */
  readonly blockAcross: number;
  readonly blockDown: number;
  readonly cellLon: number;
  readonly cellLat: number;
  private readonly west: number;
  private readonly south: number;
  private readonly points = new Map<PointKey, Position>();

  constructor(
    private readonly random: Random,
    communities: number,
    gridsPerCommunity: number,
    centre: LonLat,
    cellMetres: number,
  ) {
    // The most nearly square block of cells, wider than tall: 10 → 5 × 2.
    let down = Math.floor(Math.sqrt(gridsPerCommunity));
    while (gridsPerCommunity % down !== 0) down--;
    this.blockDown = down;
    this.blockAcross = gridsPerCommunity / down;
    // As many communities across as makes the district about square.
    this.across = Math.max(1, Math.round(Math.sqrt((communities * this.blockDown) / this.blockAcross)));
    this.down = Math.ceil(communities / this.across);
    this.cellLat = cellMetres / METRES_PER_DEGREE_LAT;
    this.cellLon = cellMetres / (METRES_PER_DEGREE_LAT * Math.cos((centre.lat * Math.PI) / 180));
    this.west = centre.lon - (this.across * this.blockAcross * this.cellLon) / 2;
    this.south = centre.lat - (this.down * this.blockDown * this.cellLat) / 2;
  }

  /** Where a lattice position (in cells, from the south-west corner) lies, WGS-84. */
  at(x: number, y: number): Position {
    return [round7(this.west + x * this.cellLon), round7(this.south + y * this.cellLat)];
  }

  /** The point of `key`, drawn the first time it is asked for (the order of asking is fixed). */
  point(key: PointKey): Position {
    const known = this.points.get(key);
    if (known !== undefined) return known;
    const [kind, a, b] = key.split(',') as [string, string, string];
    const i = Number(a);
    const j = Number(b);
    const jitter = (size: number) => (this.random() * 2 - 1) * size;
    let point: Position;
    if (kind === 'c') {
      point = this.at(i + jitter(CORNER_JITTER), j + jitter(CORNER_JITTER));
    } else {
      const [from, to] = kind === 'h' ? [`c,${i},${j}`, `c,${i + 1},${j}`] : [`c,${i},${j}`, `c,${i},${j + 1}`];
      const p = this.point(from);
      const q = this.point(to);
      const sideways = jitter(MIDPOINT_JITTER);
      point = [
        round7((p[0] + q[0]) / 2 + (kind === 'v' ? sideways * this.cellLon : 0)),
        round7((p[1] + q[1]) / 2 + (kind === 'h' ? sideways * this.cellLat : 0)),
      ];
    }
    this.points.set(key, point);
    return point;
  }

  /** The cell's boundary, counter-clockwise from its south-west corner, not closed. */
  cellRing(i: number, j: number): PointKey[] {
    return [
      `c,${i},${j}`,
      `h,${i},${j}`,
      `c,${i + 1},${j}`,
      `v,${i + 1},${j}`,
      `c,${i + 1},${j + 1}`,
      `h,${i},${j + 1}`,
      `c,${i},${j + 1}`,
      `v,${i},${j}`,
    ];
  }

  /** The outline of a connected, hole-free set of cells: the cell edges no other cell of the set shares. */
  outline(cells: readonly (readonly [number, number])[]): GeoPolygon {
    const edges = new Map<PointKey, PointKey>();
    const all = new Set<string>();
    for (const [i, j] of cells) {
      const ring = this.cellRing(i, j);
      for (const [k, from] of ring.entries()) all.add(`${from}>${ring[(k + 1) % ring.length]}`);
    }
    for (const edge of all) {
      const [from, to] = edge.split('>') as [PointKey, PointKey];
      if (!all.has(`${to}>${from}`)) edges.set(from, to);
    }
    const [start] = edges.keys();
    if (start === undefined) throw new Error('an outline of no cells');
    const keys: PointKey[] = [start];
    for (let next = edges.get(start); next !== undefined && next !== start; next = edges.get(next)) keys.push(next);
    if (keys.length !== edges.size) throw new Error('cells whose outline is not one ring');
    return polygon(keys.map((key) => this.point(key)));
  }

  cellArea(i: number, j: number): GeoPolygon {
    return polygon(this.cellRing(i, j).map((key) => this.point(key)));
  }

  /** The cells of the community at `index` in snake order: row by row, every other row right to left. */
  communityCells(index: number): [number, number][] {
    const row = Math.floor(index / this.across);
    const column = row % 2 === 0 ? index % this.across : this.across - 1 - (index % this.across);
    const cells: [number, number][] = [];
    for (let y = 0; y < this.blockDown; y++) {
      for (let x = 0; x < this.blockAcross; x++) {
        cells.push([column * this.blockAcross + x, row * this.blockDown + y]);
      }
    }
    return cells;
  }
}

function polygon(ring: Position[]): GeoPolygon {
  const first = ring[0] as Position;
  return { type: 'Polygon', coordinates: [[...ring, [first[0], first[1]]]] };
}

interface GridPlan {
  unit: DistrictUnit;
  cell: readonly [number, number];
}

interface Plan {
  units: DistrictUnit[];
  /** Grids by community code, in sequence order. */
  gridsOf: Map<string, GridPlan[]>;
  communities: DistrictUnit[];
}

// Streets and towns of 淮安区; the first two are 街道 (urban: communities), the rest 镇 (villages).
const STREET_NAMES: readonly (readonly [string, string])[] = [
  ['淮城', 'Huaicheng'],
  ['河下', 'Hexia'],
  ['车桥', 'Cheqiao'],
  ['流均', 'Liujun'],
  ['博里', 'Boli'],
  ['施河', 'Shihe'],
  ['钦工', 'Qingong'],
  ['顺河', 'Shunhe'],
  ['林集', 'Linji'],
  ['石塘', 'Shitang'],
  ['苏嘴', 'Suzui'],
  ['茭陵', 'Jiaoling'],
  ['马甸', 'Madian'],
  ['朱桥', 'Zhuqiao'],
  ['南闸', 'Nanzha'],
  ['范集', 'Fanji'],
  ['平桥', 'Pingqiao'],
  ['席桥', 'Xiqiao'],
  ['复兴', 'Fuxing'],
  ['漕运', 'Caoyun'],
];
const URBAN_STREETS = 2;

// Characters common in community names, with their pinyin; two make a name (福安, Fu'an).
const SYLLABLES: readonly (readonly [string, string])[] = [
  ['福', 'fu'],
  ['安', 'an'],
  ['和', 'he'],
  ['平', 'ping'],
  ['新', 'xin'],
  ['华', 'hua'],
  ['兴', 'xing'],
  ['东', 'dong'],
  ['西', 'xi'],
  ['南', 'nan'],
  ['北', 'bei'],
  ['康', 'kang'],
  ['宁', 'ning'],
  ['泰', 'tai'],
  ['盛', 'sheng'],
  ['丰', 'feng'],
  ['庆', 'qing'],
  ['祥', 'xiang'],
  ['瑞', 'rui'],
  ['阳', 'yang'],
  ['光', 'guang'],
  ['明', 'ming'],
  ['德', 'de'],
  ['仁', 'ren'],
  ['河', 'he'],
  ['湖', 'hu'],
  ['园', 'yuan'],
  ['桥', 'qiao'],
  ['柳', 'liu'],
  ['淮', 'huai'],
  ['运', 'yun'],
  ['文', 'wen'],
  ['城', 'cheng'],
  ['林', 'lin'],
  ['永', 'yong'],
  ['恒', 'heng'],
];

function pinyin(first: string, second: string): string {
  const joined = /^[aeo]/.test(second) ? `${first}'${second}` : `${first}${second}`;
  return joined.charAt(0).toUpperCase() + joined.slice(1);
}

const pad3 = (n: number) => String(n).padStart(3, '0');

function planUnits(
  random: Random,
  lattice: Lattice,
  streets: number,
  perStreet: number,
  top: { code: string; nameZh: string; nameEn: string },
): Plan {
  const district: DistrictUnit = {
    code: top.code,
    level: 'district',
    parentCode: null,
    nameZh: top.nameZh,
    nameEn: top.nameEn,
    area: lattice.outline(Array.from({ length: streets * perStreet }, (_, k) => lattice.communityCells(k)).flat()),
  };
  const units: DistrictUnit[] = [district];
  const communities: DistrictUnit[] = [];
  const gridsOf = new Map<string, GridPlan[]>();
  const used = new Set<string>();
  for (let s = 0; s < streets; s++) {
    const [baseZh, baseEn] = STREET_NAMES[s % STREET_NAMES.length] as readonly [string, string];
    const round = Math.floor(s / STREET_NAMES.length);
    const urban = s % STREET_NAMES.length < URBAN_STREETS;
    const streetCode = `${top.code}${pad3(s + 1)}`;
    const indices = Array.from({ length: perStreet }, (_, k) => s * perStreet + k);
    units.push({
      code: streetCode,
      level: 'street',
      parentCode: top.code,
      nameZh: `${baseZh}${round > 0 ? round + 1 : ''}${urban ? '街道' : '镇'}`,
      nameEn: `${baseEn}${round > 0 ? ` ${round + 1}` : ''} ${urban ? 'Street' : 'Town'}`,
      area: lattice.outline(indices.flatMap((k) => lattice.communityCells(k))),
    });
    for (const [c, k] of indices.entries()) {
      let name: readonly [string, string];
      let attempt = 0;
      do {
        const a = SYLLABLES[Math.floor(random() * SYLLABLES.length)] as readonly [string, string];
        const b = SYLLABLES[Math.floor(random() * SYLLABLES.length)] as readonly [string, string];
        const suffix = attempt > 40 ? String(attempt) : '';
        name = [`${a[0]}${b[0]}${suffix}`, `${pinyin(a[1], b[1])}${suffix}`];
        attempt++;
      } while (used.has(name[0]) || name[0][0] === name[0][1]);
      used.add(name[0]);
      const code = `${streetCode}${pad3(c + 1)}`;
      const cells = lattice.communityCells(k);
      const community: DistrictUnit = {
        code,
        level: 'community',
        parentCode: streetCode,
        nameZh: `${name[0]}${urban ? '社区' : '村'}`,
        nameEn: `${name[1]} ${urban ? 'Community' : 'Village'}`,
        area: lattice.outline(cells),
      };
      units.push(community);
      communities.push(community);
      const grids = cells.map(([i, j], g): GridPlan => {
        return {
          cell: [i, j],
          unit: {
            code: `${code}${pad3(g + 1)}`,
            level: 'grid',
            parentCode: code,
            nameZh: `${community.nameZh}第${g + 1}网格`,
            nameEn: `${name[1]} grid ${g + 1}`,
            area: lattice.cellArea(i, j),
          },
        };
      });
      gridsOf.set(code, grids);
    }
  }
  // Grids after all communities and streets: parents before children, as an import wants them.
  for (const grids of gridsOf.values()) units.push(...grids.map((g) => g.unit));
  return { units, gridsOf, communities };
}

interface Damage {
  breakage: Breakage;
  /** The damaged outer ring (WGS-84, closed), when the geometry changed. */
  ring?: Position[];
}

function chooseBreakages(
  random: Random,
  plan: Plan,
  lattice: Lattice,
  breakages: number | readonly BreakageKind[],
): Damage[] {
  const kinds =
    typeof breakages === 'number'
      ? Array.from({ length: count(breakages, 'breakages', 1000, 0) }, (_, k) => BREAKAGE_KINDS[k % 5] as BreakageKind)
      : breakages;
  const damages: Damage[] = [];
  // One grid per community at most, so two damages never meet (an overlap's sibling stays whole).
  const communities = [...plan.communities];
  if (kinds.length > communities.length) {
    throw new RangeError(`breakages: at most ${communities.length} (one per community), received ${kinds.length}`);
  }
  for (const kind of kinds) {
    const community = communities.splice(Math.floor(random() * communities.length), 1)[0] as DistrictUnit;
    const grids = plan.gridsOf.get(community.code) as GridPlan[];
    // A grid with a sibling to its east (blocks are at least 2 cells wide when a community has 2+ grids).
    const candidates = grids.filter((g) => grids.some((o) => o.cell[0] === g.cell[0] + 1 && o.cell[1] === g.cell[1]));
    const pool = candidates.length > 0 ? candidates : grids;
    const target = pool[Math.floor(random() * pool.length)] as GridPlan;
    const east = grids.find((o) => o.cell[0] === target.cell[0] + 1 && o.cell[1] === target.cell[1]);
    damages.push(damage(kind, target, east, lattice));
  }
  return damages;
}

function damage(kind: BreakageKind, target: GridPlan, east: GridPlan | undefined, lattice: Lattice): Damage {
  const code = target.unit.code;
  const ring = (target.unit.area.coordinates[0] as Position[]).map((p): Position => [p[0], p[1]]);
  const [i, j] = target.cell;
  switch (kind) {
    case 'self_intersection': {
      // A small twisted loop off the south edge's midpoint, inside the grid: it crosses itself
      // but takes nothing from a neighbour. ring[1] is that midpoint.
      const [lon, lat] = ring[1] as Position;
      const loop: Position[] = [
        [round7(lon + 0.05 * lattice.cellLon), round7(lat + 0.3 * lattice.cellLat)],
        [round7(lon - 0.05 * lattice.cellLon), round7(lat + 0.3 * lattice.cellLat)],
      ];
      ring.splice(2, 0, ...loop);
      return {
        breakage: { kind, code, featureCode: code, detail: 'the outer ring crosses itself near its south edge' },
        ring,
      };
    }
    case 'overlaps_sibling': {
      if (east === undefined) throw new RangeError('overlaps_sibling needs communities of at least 2 grids');
      // The east edge's midpoint (ring[3]) pushed most of the way to the sibling's centre.
      const [lon, lat] = ring[3] as Position;
      const [cLon, cLat] = lattice.at(i + 1.5, j + 0.5);
      ring[3] = [round7(lon + 0.6 * (cLon - lon)), round7(lat + 0.6 * (cLat - lat))];
      return {
        breakage: {
          kind,
          code,
          featureCode: code,
          sibling: east.unit.code,
          detail: `its east edge bulges into grid ${east.unit.code}`,
        },
        ring,
      };
    }
    case 'outside_community': {
      // Moved north by twice the district's height: outside its community and the district.
      const shift = 2 * lattice.down * lattice.blockDown * lattice.cellLat;
      return {
        breakage: { kind, code, featureCode: code, detail: 'the grid lies outside its community' },
        ring: ring.map(([lon, lat]) => [lon, round7(lat + shift)]),
      };
    }
    case 'duplicate_code': {
      const other = east ?? target;
      return {
        breakage: {
          kind,
          code,
          featureCode: other.unit.code,
          sibling: other.unit.code,
          detail: `the feature carries the code of grid ${other.unit.code}`,
        },
      };
    }
    case 'malformed_code':
      // The letter O typed for the last zero-or-digit: a typo seen in hand-kept spreadsheets.
      return {
        breakage: { kind, code, featureCode: `${code.slice(0, -1)}O`, detail: 'the code ends in the letter O' },
      };
  }
}

const FLOORS = [6, 6, 7, 11, 11, 18, 18, 26, 33] as const;
// Positions inside a cell stay within 0.3–0.7 of it: the octagon's edges never come closer than 0.27.
const INNER_FROM = 0.3;
const INNER_SPAN = 0.3;

function* generateBuildings(
  seed: number,
  plan: Plan,
  lattice: Lattice,
  total: number,
  toSystem: (p: Position) => Position,
): Generator<BuildingRow> {
  const communities = plan.communities;
  for (const [k, community] of communities.entries()) {
    const random = seededRandom(seed, `buildings ${community.code}`);
    const grids = plan.gridsOf.get(community.code) as GridPlan[];
    let left = Math.floor(total / communities.length) + (k < total % communities.length ? 1 : 0);
    for (let building = 1; left > 0; building++) {
      const units = Math.min(left, 1 + Math.floor(random() * 3));
      const floors = FLOORS[Math.floor(random() * FLOORS.length)] as number;
      const grid = grids[Math.floor(random() * grids.length)] as GridPlan;
      const x = grid.cell[0] + INNER_FROM + random() * (INNER_SPAN - 0.1);
      const y = grid.cell[1] + INNER_FROM + random() * INNER_SPAN;
      for (let unit = 1; unit <= units; unit++) {
        // Entrances about 0.04 of a cell (8 m) apart along the building.
        const [lon, lat] = toSystem(lattice.at(x + 0.04 * (unit - 1), y));
        yield {
          community: community.code,
          building: String(building),
          unit: String(unit),
          floors,
          households: floors * (floors > 11 ? 2 : 3),
          grid: grid.unit.code,
          lon,
          lat,
        };
      }
      left -= units;
    }
  }
}

const DEVICE_KINDS = ['smoke', 'water', 'door', 'gas', 'meter', 'camera', 'elevator', 'hydrant'] as const;
const INSTALLED_FROM = Date.UTC(2024, 0, 1);
const INSTALL_DAYS = 700;

function* generatePlacements(
  seed: number,
  buildings: Iterable<BuildingRow>,
  buildingCount: number,
  total: number,
): Generator<PlacementRow> {
  if (total === 0) return;
  if (buildingCount === 0) throw new RangeError('placements: devices need buildings; set buildings above 0');
  const random = seededRandom(seed, 'placements');
  let index = 0;
  for (const row of buildings) {
    const devices = Math.floor(total / buildingCount) + (index < total % buildingCount ? 1 : 0);
    index++;
    for (let d = 0; d < devices; d++) {
      const kind = DEVICE_KINDS[d % DEVICE_KINDS.length] as string;
      const day = Math.floor(random() * INSTALL_DAYS);
      const minute = 8 * 60 + Math.floor(random() * 9 * 60);
      yield {
        gateway: `gw-${row.community}-b${row.building}`,
        device: `${kind}-u${row.unit}-${d + 1}`,
        grid: row.grid,
        building: row.building,
        unit: row.unit,
        floor: 1 + Math.floor(random() * row.floors),
        // Installed in working hours, Beijing time (UTC+8).
        installed_at: new Date(INSTALLED_FROM + day * 86_400_000 + (minute - 8 * 60) * 60_000).toISOString(),
      };
    }
  }
}
