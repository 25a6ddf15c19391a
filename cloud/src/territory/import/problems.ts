import { message } from '../../i18n/message.js';
import { bilingual } from '../../i18n/render.js';
import type { TerritoryImportProblem } from './schemas.js';

/** Where a problem is: a feature of a GeoJSON file (from 0) or a line of a CSV (from 1, the header). */
export interface ProblemPlace {
  feature?: number;
  line?: number;
  code?: string;
  field?: string;
}

/**
 * A problem of an import file, rendered in both languages with its fix: `kind` is the catalogue's
 * `territory_import.<kind>` and its fix `territory_import.<kind>.fix`.
 */
export function importProblem(
  kind: string,
  place: ProblemPlace,
  params: Record<string, unknown> = {},
): TerritoryImportProblem {
  return {
    kind,
    feature: place.feature ?? null,
    line: place.line ?? null,
    code: place.code ?? null,
    field: place.field ?? null,
    message: bilingual(message(`territory_import.${kind}`, params)),
    fix: bilingual(message(`territory_import.${kind}.fix`, params)),
  };
}

/** Problems in file order (features, then lines), so a long list reads from the top of the file down. */
export function inFileOrder(problems: readonly TerritoryImportProblem[]): TerritoryImportProblem[] {
  const place = (p: TerritoryImportProblem) => p.feature ?? p.line ?? -1;
  return [...problems].sort((a, b) => place(a) - place(b));
}
