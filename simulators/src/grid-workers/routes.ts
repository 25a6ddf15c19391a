import type { CommunityGeography, GroundPoint, GroundPolygon } from '../community/geography.js';

/** A checkpoint as the cloud's patrol API takes it (`POST /patrol/grids/{grid}/routes`). */
export type CheckpointPlan =
  | { kind: 'point'; name: string; lon: number; lat: number; radius_m: number }
  | { kind: 'tag'; name: string; tag_code: string; lon: number; lat: number };

/** A route as the cloud's patrol API takes it. */
export interface RoutePlan {
  name: string;
  rounds_per_day: number;
  windows: { from: string; to: string }[];
  checkpoints: CheckpointPlan[];
}

/** How near a worker must come to a point checkpoint: a building's entrance seen from its path. */
const RADIUS_M = 30;

/** A corner of a grid's rectangle, stepped in towards its centre so it lies inside the grid. */
function innerCorner(area: GroundPolygon, corner: 'south-west' | 'north-east' | 'south-east'): GroundPoint {
  const ring = area.coordinates[0] ?? [];
  const lons = ring.map(([lon]) => lon);
  const lats = ring.map(([, lat]) => lat);
  const [west, east, south, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const lon = corner === 'south-west' ? west + (east - west) * 0.12 : east - (east - west) * 0.12;
  const lat = corner === 'north-east' ? north - (north - south) * 0.08 : south + (north - south) * 0.08;
  return { lon: Math.round(lon * 1e7) / 1e7, lat: Math.round(lat * 1e7) / 1e7 };
}

/**
 * The daily route of a simulated grid: from its south-west corner past each building's entrance,
 * up to the north-east corner and back down the fire lane, where a QR tag is fixed (tags are how checkpoints are proved
 * where GPS is poor); walked twice a day, morning and afternoon, as the 1+1+N roster's rounds are.
 */
export function gridRoute(geography: CommunityGeography, grid: string, buildings: readonly string[]): RoutePlan {
  const area = geography.grids.get(grid);
  if (area === undefined) throw new Error(`gridRoute: grid ${grid} is not laid out`);
  const points: CheckpointPlan[] = buildings.flatMap((building) => {
    const at = geography.buildings.get(building);
    return at === undefined ? [] : [{ kind: 'point' as const, name: `${building}号楼入口`, ...at, radius_m: RADIUS_M }];
  });
  const start = innerCorner(area, 'south-west');
  const corner = innerCorner(area, 'north-east');
  const lane = innerCorner(area, 'south-east');
  return {
    name: '日常巡查',
    rounds_per_day: 2,
    windows: [
      { from: '08:00', to: '12:00' },
      { from: '14:00', to: '18:00' },
    ],
    checkpoints: [
      { kind: 'point', name: '西南角岗亭', ...start, radius_m: RADIUS_M },
      ...points,
      { kind: 'point', name: '东北角围墙', ...corner, radius_m: RADIUS_M },
      { kind: 'tag', name: '消防通道', tag_code: `fire-lane-${grid.slice(-3)}-${grid.slice(0, 12)}`, ...lane },
    ],
  };
}
