import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import type { Language } from '../i18n/message.js';
import type { KpiPolicy, KpiReport } from './compute.js';
import { KPI_DEFINITIONS, KpiCode } from './definitions.js';
import { kpiGroupNames } from './query.js';
import { type GrantedGroups, grantedGroups, type KpiGrant } from './scope.js';

/** The levels assessed each month (考核对象): territories below the district, workers and disposal units. */
export const ASSESSMENT_LEVELS = ['street', 'community', 'grid', 'worker', 'unit'] as const;
export const AssessmentLevel = z.enum(ASSESSMENT_LEVELS);
export type AssessmentLevel = z.infer<typeof AssessmentLevel>;

/** How many months a trend covers, the assessed one last. */
export const TREND_MONTHS = 6;

/** A calendar month, `2026-10`. */
export const AssessmentMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month like 2026-10');

/** The query of `GET /kpis/assessment` and its XLSX. */
export const AssessmentParams = z.strictObject({
  month: AssessmentMonth,
  level: AssessmentLevel.default('grid'),
  within: z
    .string()
    .regex(/^\d{6}(\d{3}){0,3}$/, 'a district, street, community or grid code')
    .optional(),
});
export type AssessmentParams = z.output<typeof AssessmentParams>;

const Rate = z.object({
  numerator: z.number().int(),
  denominator: z.number().int(),
  value: z.number().nullable(),
  percent: z.number().nullable(),
});

/** One month of a row's trend: its score and each rate as a percentage (null: nothing due, or no work that month). */
export const AssessmentTrendPoint = z.object({
  month: AssessmentMonth,
  score: z.number().nullable(),
  percents: z.record(KpiCode, z.number().nullable()),
});

/** A street, community, grid, worker or disposal unit as assessed over the month. */
export const AssessmentRow = z.object({
  key: z.string(),
  name: z.string(),
  counts: z.record(z.string(), z.number().int()),
  rates: z.record(KpiCode, Rate),
  /** The composite score (0–100), as `GET /kpis` gives it; null with nothing to score. */
  score: z.number().nullable(),
  /** Place among its peers by score, ties sharing a place (1, 2, 2, 4); null when unscored. */
  rank: z.number().int().positive().nullable(),
  /** How many peers were ranked (the rows of the level the caller's role counts, scored). */
  peers: z.number().int().nonnegative(),
  /** The last {@link TREND_MONTHS} months, oldest first, the assessed month last. */
  trend: z.array(AssessmentTrendPoint),
});
export type AssessmentRow = z.infer<typeof AssessmentRow>;

/** The answer of `GET /kpis/assessment`. */
export const Assessment = z.object({
  month: AssessmentMonth,
  level: AssessmentLevel,
  within: z.string().nullable(),
  /** The name of `within`, else of the caller's scope (their territories, or their unit): the page's header. */
  scope_name: z.string(),
  /** The district the caller belongs to (the tenant's name on a printed report). */
  tenant_name: z.string(),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  months: z.array(AssessmentMonth),
  /** The tenant's weights of the score, in percentage points (a KPI left out weighs nothing). */
  weights: z.partialRecord(KpiCode, z.number()),
  definitions: z.array(
    z.object({
      code: KpiCode,
      name: z.object({ zh: z.string(), en: z.string() }),
      lower_is_better: z.boolean(),
    }),
  ),
  /** By rank (the unscored last), then key. */
  rows: z.array(AssessmentRow),
});
export type Assessment = z.infer<typeof Assessment>;

/** [from, to) of a calendar month in China time. */
export function monthPeriod(month: string): { from: Date; to: Date } {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const next = mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
  return { from: new Date(`${month}-01T00:00:00+08:00`), to: new Date(`${next}-01T00:00:00+08:00`) };
}

/** The `count` months ending with `month`, oldest first. */
export function monthsEndingWith(month: string, count: number): string[] {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, index) => {
    const serial = year * 12 + (mon - 1) - (count - 1 - index);
    return `${Math.floor(serial / 12)}-${String((serial % 12) + 1).padStart(2, '0')}`;
  });
}

/**
 * Places by score among peers, best first: equal scores (as printed, two decimals) share a place
 * and the next place skips (standard competition ranking, 1 2 2 4), as league tables do; the
 * unscored are not ranked.
 */
export function rankByScore(scores: ReadonlyMap<string, number | null>): Map<string, number> {
  const scored = [...scores].filter((entry): entry is [string, number] => entry[1] !== null);
  scored.sort((a, b) => b[1] - a[1]);
  const ranks = new Map<string, number>();
  scored.forEach(([key, score], index) => {
    const previous = scored[index - 1];
    ranks.set(key, previous !== undefined && previous[1] === score ? (ranks.get(previous[0]) as number) : index + 1);
  });
  return ranks;
}

const percents = (report: KpiReport | undefined) =>
  Object.fromEntries(KPI_DEFINITIONS.map((d) => [d.code, report?.rates[d.code].percent ?? null])) as Record<
    KpiCode,
    number | null
  >;

/**
 * The monthly assessment (考核) of one level: each row's KPIs and composite score over the month,
 * computed by the same query as `GET /kpis` ({@link grantedGroups} → kpiReport → kpisFromCounts,
 * no second formula), its place among the peers its grant counts, and its last six months. A
 * grid worker or a disposal unit is ranked among all peers the grant counts but sees only its own row.
 */
export async function assessment(
  db: Queryable,
  grants: readonly KpiGrant[],
  query: { month: string; level: AssessmentLevel; policy: KpiPolicy; language: Language },
): Promise<{ months: string[]; rows: AssessmentRow[] }> {
  const months = monthsEndingWith(query.month, TREND_MONTHS);
  const byMonth = new Map<string, GrantedGroups[]>();
  for (const month of months)
    byMonth.set(
      month,
      await grantedGroups(db, grants, { ...monthPeriod(month), groupBy: query.level, policy: query.policy }),
    );
  const current = byMonth.get(query.month) ?? [];
  const ranked = new Map<string, { report: KpiReport; rank: number | null; peers: number; grant: number }>();
  current.forEach(({ peers, shown }, grant) => {
    const ranks = rankByScore(new Map(peers.map((group) => [group.key, group.report.composite])));
    for (const group of shown)
      if (!ranked.has(group.key))
        ranked.set(group.key, { report: group.report, rank: ranks.get(group.key) ?? null, peers: ranks.size, grant });
  });
  const names = await kpiGroupNames(db, query.level, [...ranked.keys()], query.language);
  const rows = [...ranked].map(
    ([key, { report, rank, peers, grant }]): AssessmentRow => ({
      key,
      name: names.get(key) ?? key,
      counts: report.counts,
      rates: report.rates,
      score: report.composite,
      rank,
      peers,
      trend: months.map((month) => {
        const past = byMonth.get(month)?.[grant]?.shown.find((group) => group.key === key)?.report;
        return { month, score: past?.composite ?? null, percents: percents(past) };
      }),
    }),
  );
  rows.sort(
    (a, b) =>
      (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  return { months, rows };
}
