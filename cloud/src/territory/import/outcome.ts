import type { TerritoryImportItem, TerritoryImportProblem } from './schemas.js';

/** What comparing a file with the stored territory found, before it is stored as a preview. */
export interface ImportOutcome<Payload> {
  root: string | null;
  items: number;
  added: TerritoryImportItem[];
  changed: TerritoryImportItem[];
  retired: TerritoryImportItem[];
  unchanged: TerritoryImportItem[];
  problems: TerritoryImportProblem[];
  unregisteredGateways: string[];
  /** What applying writes, kept with the preview. */
  payload: Payload;
}

export const item = (key: string, fields: Partial<TerritoryImportItem> = {}): TerritoryImportItem => ({
  key,
  level: null,
  name: null,
  changes: [],
  previous_name: null,
  ...fields,
});

const CODE_LENGTHS = [18, 15, 12, 9, 6];

/**
 * The lowest unit at or above every code given (a code's ancestors are its prefixes at 6, 9, 12
 * and 15 digits); undefined when none is given. An admin over it administers them all.
 */
export function commonRoot(codes: Iterable<string>): string | undefined {
  let prefix: string | undefined;
  for (const code of codes) {
    if (prefix === undefined) {
      prefix = code;
      continue;
    }
    let same = 0;
    while (same < prefix.length && same < code.length && prefix[same] === code[same]) same++;
    prefix = prefix.slice(0, same);
  }
  if (prefix === undefined) return undefined;
  const length = CODE_LENGTHS.find((n) => n <= (prefix as string).length);
  return length === undefined ? undefined : prefix.slice(0, length);
}
