import { z } from 'zod';
import { TerritoryError } from './errors.js';

/**
 * Territory codes (docs/domain.md §1). Each level adds digits to its parent's code:
 *
 * | level        | digits | made of                                                        |
 * | ------------ | ------ | -------------------------------------------------------------- |
 * | `district`   | 6      | county-level code of GB/T 2260, e.g. 淮安区 320803               |
 * | `street`     | 9      | district + street/town 3 (街道/镇)                               |
 * | `community`  | 12     | street + community/village 3 (社区/村)                           |
 * | `grid`       | 15     | community + sequence 3; 9xx marks a dedicated grid (专属网格)     |
 * | `micro_grid` | 18     | grid + sequence 3: a building or unit inside the grid (微网格)   |
 *
 * Every added segment is 001–999: 000 would mean "no such level". The 18-digit micro-grid code is
 * our design (the standards stop at the grid); it keeps a micro-grid's grid readable in its code.
 */
export const TERRITORY_LEVELS = ['district', 'street', 'community', 'grid', 'micro_grid'] as const;
export type TerritoryLevel = (typeof TERRITORY_LEVELS)[number];

const LENGTHS: Record<TerritoryLevel, number> = { district: 6, street: 9, community: 12, grid: 15, micro_grid: 18 };

const DESCRIPTIONS: Record<TerritoryLevel, string> = {
  district: 'a district code of 6 digits (GB/T 2260, county level, e.g. 320803)',
  street: 'a street code of 9 digits (district 6 + street/town 3)',
  community: 'a community code of 12 digits (district 6 + street/town 3 + community/village 3)',
  grid: 'a grid code of 15 digits (district 6 + street/town 3 + community/village 3 + sequence 3)',
  micro_grid: 'a micro-grid code of 18 digits (grid 15 + sequence 3)',
};

const SEGMENTS: readonly { level: TerritoryLevel; name: string }[] = [
  { level: 'street', name: 'street/town' },
  { level: 'community', name: 'community/village' },
  { level: 'grid', name: 'grid sequence' },
  { level: 'micro_grid', name: 'micro-grid sequence' },
];

/** Why `code` is not a territory code (of `level`, when given); undefined when it is one. */
export function codeProblem(code: unknown, level?: TerritoryLevel): string | undefined {
  const expected = level === undefined ? 'a territory code of 6, 9, 12, 15 or 18 digits' : DESCRIPTIONS[level];
  if (typeof code !== 'string') return `expected ${expected}, received ${code === null ? 'null' : typeof code}`;
  const shown = JSON.stringify(code);
  if (!/^\d+$/.test(code)) return `expected ${expected}, received ${shown} (not only digits)`;
  const found = levelByLength(code.length);
  if (found === undefined || (level !== undefined && found !== level)) {
    return `expected ${expected}, received ${shown} (${code.length} digits)`;
  }
  if (code.slice(4, 6) === '00') {
    return `${shown}: district part ${code.slice(0, 6)} ends in 00, which is a province or prefecture, not a county-level code`;
  }
  for (const [index, segment] of SEGMENTS.entries()) {
    const start = 6 + index * 3;
    if (code.length <= start) break;
    if (code.slice(start, start + 3) === '000') {
      return `${shown}: ${segment.name} part (digits ${start + 1}-${start + 3}) is 000; it must be 001-999`;
    }
  }
  return undefined;
}

function levelByLength(length: number): TerritoryLevel | undefined {
  return TERRITORY_LEVELS.find((level) => LENGTHS[level] === length);
}

/** A territory code of any level. */
export const TerritoryCode = z.string().superRefine((code, ctx) => {
  const problem = codeProblem(code);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const byLevel = Object.fromEntries(
  TERRITORY_LEVELS.map((level) => [
    level,
    z
      .string()
      .superRefine((code, ctx) => {
        const problem = codeProblem(code, level);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({ description: DESCRIPTIONS[level] }),
  ]),
) as Record<TerritoryLevel, z.ZodString>;

/** The schema of the codes of one level, e.g. `territoryCode('grid')`. */
export function territoryCode(level: TerritoryLevel): z.ZodString {
  return byLevel[level];
}

/** A code taken apart. Segments below the code's level are absent. */
export interface ParsedTerritoryCode {
  code: string;
  level: TerritoryLevel;
  district: string;
  street?: string;
  community?: string;
  grid?: string;
  /** A grid whose sequence is 9xx (school, hospital, market…), or a micro-grid inside one. */
  dedicated: boolean;
}

/**
 * Checks `code` (of `level`, when given) and takes it apart; a bad code throws a
 * {@link TerritoryError} naming `field`.
 */
export function parseTerritoryCode(code: unknown, field = 'code', level?: TerritoryLevel): ParsedTerritoryCode {
  const problem = codeProblem(code, level);
  if (problem !== undefined) throw new TerritoryError(field, problem);
  const text = code as string;
  const found = levelByLength(text.length) as TerritoryLevel;
  const prefix = (of: TerritoryLevel) => (text.length >= LENGTHS[of] ? text.slice(0, LENGTHS[of]) : undefined);
  const parsed: ParsedTerritoryCode = {
    code: text,
    level: found,
    district: text.slice(0, 6),
    dedicated: text.length >= 15 && text[12] === '9',
  };
  const street = prefix('street');
  const community = prefix('community');
  const grid = prefix('grid');
  if (street !== undefined) parsed.street = street;
  if (community !== undefined) parsed.community = community;
  if (grid !== undefined) parsed.grid = grid;
  return parsed;
}

/** The level of a territory code; throws a {@link TerritoryError} when it is not one. */
export function levelOf(code: string): TerritoryLevel {
  return parseTerritoryCode(code).level;
}

/** The code of the unit above (a grid's community, a micro-grid's grid); undefined for a district. */
export function parentOf(code: string): string | undefined {
  const { level } = parseTerritoryCode(code);
  return level === 'district' ? undefined : code.slice(0, code.length - 3);
}

/** Whether `code` is a dedicated grid (专属网格, sequence 9xx) or a micro-grid inside one. */
export function isDedicatedGrid(code: string): boolean {
  return parseTerritoryCode(code).dedicated;
}
