import { z } from 'zod';
import { type Counts, type IncidentFacts, KPI_DEFINITIONS, type KpiCode } from './definitions.js';

const KpiCodeKey = z.enum(KPI_DEFINITIONS.map((d) => d.code) as [KpiCode, ...KpiCode[]]);

/**
 * The composite score's weights when a tenant sets none, in percentage points (they sum to 100).
 * Modelled on monthly 网格化/数字城管 assessments: closing on time weighs most, then closing at
 * all; dispatch, completion, rework and satisfaction count as much as each other; extensions,
 * callbacks and resolution a little (docs/domain.md §5).
 */
/** A KPI absent here weighs nothing (the strict satisfaction and solved rates are shown, not scored). */
export const DEFAULT_KPI_WEIGHTS: Readonly<Partial<Record<KpiCode, number>>> = {
  dispatch_rate: 10,
  completion_rate: 10,
  on_time_completion_rate: 10,
  closing_rate: 15,
  on_time_closing_rate: 20,
  rework_rate: 10,
  extension_rate: 5,
  callback_rate: 5,
  satisfaction_rate: 10,
  resolution_rate: 5,
};

/** Tenant settings that change denominators (cities differ) and the composite score's weights. */
export const KpiPolicy = z.strictObject({
  /** Leave incidents that were suspended (挂账) when they fell due out of the due count. */
  exclude_suspended_from_due: z.boolean().default(false),
  /**
   * Weights of the composite score; the score is normalised by their sum. Stored weights are read
   * as they are (an empty object: no score); new ones are checked by {@link KpiSettingsInput}.
   */
  weights: z.partialRecord(KpiCodeKey, z.number().min(0)).default(() => ({ ...DEFAULT_KPI_WEIGHTS })),
});
export type KpiPolicy = z.output<typeof KpiPolicy>;

/**
 * KPI settings as an administrator writes them: each weight 0–100 percentage points with at most
 * two decimals, together exactly 100, so a weight reads as its share of the score.
 */
export const KpiSettingsInput = z.strictObject({
  exclude_suspended_from_due: z.boolean().default(false),
  weights: z
    .partialRecord(
      KpiCodeKey,
      z
        .number()
        .min(0)
        .max(100)
        .refine((weight) => Math.abs(weight * 100 - Math.round(weight * 100)) < 1e-9, {
          error: 'a weight has at most two decimals',
        }),
    )
    .default(() => ({ ...DEFAULT_KPI_WEIGHTS }))
    .refine((weights) => Math.abs(Object.values(weights).reduce((sum, w) => sum + (w ?? 0), 0) - 100) < 1e-6, {
      error: 'the weights must sum to 100',
      // A weight out of range is named on its own; the sum is checked once each weight is right.
      when: (payload) => payload.issues.length === 0,
    }),
});

export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null when nothing was due (0/0 is not 0 %). */
  value: number | null;
  /** The value as a percentage rounded to two decimals, as assessment reports print it. */
  percent: number | null;
}

export interface KpiReport {
  counts: Counts;
  rates: Record<KpiCode, Rate>;
  /** Weighted score in [0, 100], or null without weights or with nothing to score. */
  composite: number | null;
}

export function countFacts(facts: Iterable<IncidentFacts>, policy: KpiPolicy): Counts {
  const counts: Counts = {
    shouldDispatch: 0,
    dispatched: 0,
    shouldHandle: 0,
    handled: 0,
    closed: 0,
    closedOnTime: 0,
    dueForClosing: 0,
    reworks: 0,
    extensions: 0,
    callbacks: 0,
    satisfied: 0,
    solved: 0,
    strictlySatisfied: 0,
  };
  for (const f of facts) {
    if (f.shouldDispatch) counts.shouldDispatch++;
    if (f.dispatched) counts.dispatched++;
    if (f.shouldHandle) counts.shouldHandle++;
    if (f.handled) counts.handled++;
    if (f.closed) counts.closed++;
    if (f.closedOnTime) counts.closedOnTime++;
    if (f.dueForClosing && !(policy.exclude_suspended_from_due && f.suspendedWhenDue)) counts.dueForClosing++;
    counts.reworks += f.reworks;
    counts.extensions += f.extensions;
    if (f.callbackDone) counts.callbacks++;
    if (f.satisfaction === 'satisfied' || f.satisfaction === 'basically_satisfied') counts.satisfied++;
    if (f.solved) counts.solved++;
    if (f.satisfaction === 'satisfied') counts.strictlySatisfied = (counts.strictlySatisfied ?? 0) + 1;
  }
  return counts;
}

const rate = (numerator: number, denominator: number): Rate => {
  if (denominator === 0) return { numerator, denominator, value: null, percent: null };
  const value = numerator / denominator;
  return { numerator, denominator, value, percent: Math.round(value * 10_000) / 100 };
};

/** Every KPI of docs/domain.md §5 from counts, and the composite score from the policy's weights. */
export function kpisFromCounts(counts: Counts, policy: KpiPolicy): KpiReport {
  const rates = Object.fromEntries(
    KPI_DEFINITIONS.map((d) => [d.code, rate(counts[d.numerator] ?? 0, counts[d.denominator] ?? 0)]),
  ) as Record<KpiCode, Rate>;
  let weighted = 0;
  let weights = 0;
  for (const definition of KPI_DEFINITIONS) {
    const weight = policy.weights[definition.code] ?? 0;
    const value = rates[definition.code].value;
    if (weight === 0 || value === null) continue;
    weighted += weight * (definition.lowerIsBetter ? Math.max(0, 1 - value) : Math.min(1, value));
    weights += weight;
  }
  return { counts, rates, composite: weights === 0 ? null : Math.round((weighted / weights) * 10_000) / 100 };
}

export function computeKpis(facts: Iterable<IncidentFacts>, policy: KpiPolicy): KpiReport {
  return kpisFromCounts(countFacts(facts, policy), policy);
}
