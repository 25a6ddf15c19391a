import { z } from 'zod';
import { TERRITORY_LEVELS } from '../codes.js';

/**
 * The wire shapes of the territory import (`/api/v1/territory/imports`), one zod schema each; the
 * web client imports these types. Keep them stable: the import page is built against them.
 */

/** What a file holds: areas (GeoJSON), building units (CSV) or device placements (CSV). */
export const TerritoryImportKind = z.enum(['boundaries', 'buildings', 'placements']);
export type TerritoryImportKind = z.infer<typeof TerritoryImportKind>;

/** The coordinate system of a file's positions; everything is stored in WGS-84. */
export const TerritoryImportCrs = z.enum(['wgs84', 'gcj02']);
export type TerritoryImportCrs = z.infer<typeof TerritoryImportCrs>;

/** `POST /territory/imports?kind=…&crs=…`: the body is the file itself. */
export const TerritoryImportQuery = z.strictObject({
  kind: TerritoryImportKind,
  crs: TerritoryImportCrs.optional(),
});
export type TerritoryImportQuery = z.infer<typeof TerritoryImportQuery>;

const Bilingual = z.strictObject({ zh: z.string(), en: z.string() });

/**
 * One thing wrong with the file: where (`feature`: index in the FeatureCollection from 0; `line`:
 * CSV line from 1, the header being line 1), which unit (`code`) and `field`, what is wrong and how
 * to fix it, in both languages. `kind` is stable (`duplicate_code`, `sibling_overlap`…).
 */
export const TerritoryImportProblem = z.strictObject({
  kind: z.string(),
  feature: z.int().nullable(),
  line: z.int().nullable(),
  code: z.string().nullable(),
  field: z.string().nullable(),
  message: Bilingual,
  fix: Bilingual,
});
export type TerritoryImportProblem = z.infer<typeof TerritoryImportProblem>;

/**
 * One item of the file as the preview sees it. `key` is a territory code (boundaries),
 * `community/building/unit` (buildings) or `gateway/device` (placements). `changes` says what
 * differs from what is stored: `renamed`, `redrawn` (boundaries); `floors`, `households`, `grid`,
 * `position` (buildings); `moved` (placements).
 */
export const TerritoryImportItem = z.strictObject({
  key: z.string(),
  level: z.enum(TERRITORY_LEVELS).nullable(),
  name: z.string().nullable(),
  changes: z.array(z.string()),
  /** The stored name, when `renamed`. */
  previous_name: z.string().nullable(),
});
export type TerritoryImportItem = z.infer<typeof TerritoryImportItem>;

export const TerritoryImportCounts = z.strictObject({
  /** Items in the file (features or data lines). */
  items: z.int(),
  added: z.int(),
  changed: z.int(),
  retired: z.int(),
  unchanged: z.int(),
  problems: z.int(),
});
export type TerritoryImportCounts = z.infer<typeof TerritoryImportCounts>;

/** The largest number of entries each list of a preview carries; `counts` has them all. */
export const PREVIEW_LIST_LIMIT = 2000;

/**
 * What an import would do, and what it did once applied. Lists are cut at
 * {@link PREVIEW_LIST_LIMIT} entries (`lists_truncated`); `counts` counts everything. Retired items
 * are stored units under `root` (at the levels the file has) that the file no longer has.
 */
export const TerritoryImportPreview = z.strictObject({
  id: z.uuid(),
  kind: TerritoryImportKind,
  state: z.enum(['previewed', 'applied']),
  created_at: z.iso.datetime({ offset: true }),
  actor: z.string(),
  sha256: z.string(),
  bytes: z.int(),
  /** How the file's text was decoded: CSVs in UTF-8 (with or without BOM) or GB18030/GBK, detected. */
  encoding: z.enum(['utf-8', 'gb18030']),
  /** The coordinate system the file's positions were read in, and who said so. */
  crs: TerritoryImportCrs,
  crs_source: z.enum(['file', 'request', 'default']),
  /** The lowest unit above or at every unit of the file: an admin over it may import the file. */
  root: z.string().nullable(),
  counts: TerritoryImportCounts,
  added: z.array(TerritoryImportItem),
  changed: z.array(TerritoryImportItem),
  retired: z.array(TerritoryImportItem),
  unchanged: z.array(TerritoryImportItem),
  problems: z.array(TerritoryImportProblem),
  lists_truncated: z.boolean(),
  /** Gateways of a placements file not registered yet (placements are kept for them all the same). */
  unregistered_gateways: z.array(z.string()),
  applied_at: z.iso.datetime({ offset: true }).nullable(),
  valid_from: z.iso.datetime({ offset: true }).nullable(),
});
export type TerritoryImportPreview = z.infer<typeof TerritoryImportPreview>;

/** `POST /territory/imports/{id}/apply`: when the new areas come into force (default: now). */
export const TerritoryImportApply = z.strictObject({
  valid_from: z.iso.datetime({ offset: true }).optional(),
});
export type TerritoryImportApply = z.infer<typeof TerritoryImportApply>;
