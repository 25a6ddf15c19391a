export {
  BOUNDARY_LEVELS,
  BoundariesQuery,
  type BoundaryLevel,
  levelBelow,
  readBoundaries,
  simplifyArea,
  TerritoryBoundaries,
  TerritoryBoundary,
} from './boundaries.js';
export {
  codeProblem,
  isDedicatedGrid,
  levelOf,
  type ParsedTerritoryCode,
  parentOf,
  parseTerritoryCode,
  TERRITORY_LEVELS,
  TerritoryCode,
  type TerritoryLevel,
  territoryCode,
} from './codes.js';
export { TerritoryError } from './errors.js';
export {
  type BoundaryCollection,
  type BoundaryFeature,
  BREAKAGE_KINDS,
  type Breakage,
  type BreakageKind,
  BUILDING_COLUMNS,
  type BuildingRow,
  csvLine,
  type DistrictOptions,
  type DistrictUnit,
  type GeneratedDistrict,
  generateDistrict,
  PLACEMENT_COLUMNS,
  type PlacementRow,
} from './fixture-district.js';
export {
  type CoordinateSystem,
  distanceMetres,
  gcj02ToWgs84,
  type LonLat,
  outOfChina,
  toWgs84,
  wgs84ToGcj02,
} from './gcj02.js';
export { GridIndex, GridResolver } from './grid-index.js';
export * from './import/index.js';
export {
  Area,
  type BoundingBox,
  boundingBox,
  boxContains,
  GeoMultiPolygon,
  GeoPolygon,
  type Position,
  pointInArea,
} from './polygon.js';
export { type GridResolution, type PolygonVersion, resolveGrid, validAt } from './resolve.js';
export {
  type Building,
  BuildingInput,
  type DevicePlacement,
  PlacementInput,
  TerritoryStore,
  type TerritoryUnit,
  TerritoryUnitInput,
} from './store.js';
