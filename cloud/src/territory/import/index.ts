export { decodeText, type TextEncoding } from './encoding.js';
export { DEFAULT_TOLERANCE, type GeometryTolerance } from './geometry-checks.js';
export { IMPORT_MAX_BYTES, type ImportFile, type StoredImport, TerritoryImports } from './imports.js';
export { TerritoryImportRefusal } from './refusal.js';
export {
  PREVIEW_LIST_LIMIT,
  TerritoryImportApply,
  TerritoryImportCounts,
  TerritoryImportCrs,
  TerritoryImportItem,
  TerritoryImportKind,
  TerritoryImportPreview,
  TerritoryImportProblem,
  TerritoryImportQuery,
} from './schemas.js';
