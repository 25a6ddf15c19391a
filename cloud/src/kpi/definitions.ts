import { z } from 'zod';

/**
 * What the KPIs count, per incident, over an assessment period. The counts come from step
 * records (never from counters kept on the side); drills never reach this point.
 */
export interface IncidentFacts {
  /** Filed (立案): it should be dispatched. */
  shouldDispatch: boolean;
  dispatched: boolean;
  /** It should be handled (dispatched and not returned). */
  shouldHandle: boolean;
  handled: boolean;
  closed: boolean;
  /** Closed within its time limits. */
  closedOnTime: boolean;
  /** Filed, and its closing deadline has passed within the period (due for closing). */
  dueForClosing: boolean;
  /** Suspended (挂账) when it fell due: some cities leave these out of the due count. */
  suspendedWhenDue: boolean;
  /** Times a check failed and sent it back (返工). */
  reworks: number;
  /** Extensions approved (延期). */
  extensions: number;
  callbackDone: boolean;
  satisfaction?: 'satisfied' | 'basically_satisfied' | 'unsatisfied' | undefined;
  /** Actually solved, as the callback found (解决), distinct from closed. */
  solved: boolean;
}

export type Counts = {
  shouldDispatch: number;
  dispatched: number;
  shouldHandle: number;
  handled: number;
  closed: number;
  closedOnTime: number;
  dueForClosing: number;
  reworks: number;
  extensions: number;
  callbacks: number;
  satisfied: number;
  solved: number;
  /**
   * Callbacks whose verdict was "satisfied", not merely "basically satisfied" (the strict 满意率);
   * absent in counts made before verdict levels were kept (read as 0).
   */
  strictlySatisfied?: number;
};

export const KPI_CODES = [
  'dispatch_rate',
  'completion_rate',
  'on_time_completion_rate',
  'closing_rate',
  'on_time_closing_rate',
  'rework_rate',
  'extension_rate',
  'callback_rate',
  'satisfaction_rate',
  'resolution_rate',
  // The callback's verdicts (docs/domain.md §3): strict satisfaction and solved among the verdicts.
  'strict_satisfaction_rate',
  'solved_rate',
] as const;
export const KpiCode = z.enum(KPI_CODES);
export type KpiCode = z.infer<typeof KpiCode>;

export interface KpiDefinition {
  code: KpiCode;
  name: { zh: string; en: string };
  numerator: keyof Counts;
  denominator: keyof Counts;
  /** True when lower is better (rework, extensions): composite scores use 1 − rate. */
  lowerIsBetter?: true;
}

/** The standard formulas (docs/domain.md §5). The denominators are the point: each is stated here once. */
export const KPI_DEFINITIONS: readonly KpiDefinition[] = [
  {
    code: 'dispatch_rate',
    name: { zh: '交办率', en: 'Dispatch rate' },
    numerator: 'dispatched',
    denominator: 'shouldDispatch',
  },
  {
    code: 'completion_rate',
    name: { zh: '办结率', en: 'Completion rate' },
    numerator: 'closed',
    denominator: 'dispatched',
  },
  {
    code: 'on_time_completion_rate',
    name: { zh: '按期办结率', en: 'On-time completion rate' },
    numerator: 'closedOnTime',
    denominator: 'dispatched',
  },
  {
    code: 'closing_rate',
    name: { zh: '结案率', en: 'Closing rate' },
    numerator: 'closed',
    denominator: 'dueForClosing',
  },
  {
    code: 'on_time_closing_rate',
    name: { zh: '按期结案率', en: 'On-time closing rate' },
    numerator: 'closedOnTime',
    denominator: 'dueForClosing',
  },
  {
    code: 'rework_rate',
    name: { zh: '返工率', en: 'Rework rate' },
    numerator: 'reworks',
    denominator: 'handled',
    lowerIsBetter: true,
  },
  {
    code: 'extension_rate',
    name: { zh: '延期率', en: 'Extension rate' },
    numerator: 'extensions',
    denominator: 'shouldHandle',
    lowerIsBetter: true,
  },
  { code: 'callback_rate', name: { zh: '回访率', en: 'Callback rate' }, numerator: 'callbacks', denominator: 'closed' },
  {
    code: 'satisfaction_rate',
    name: { zh: '满意率', en: 'Satisfaction rate' },
    numerator: 'satisfied',
    denominator: 'callbacks',
  },
  {
    code: 'resolution_rate',
    name: { zh: '解决率', en: 'Resolution rate' },
    numerator: 'solved',
    denominator: 'closed',
  },
  // The callback's verdicts (docs/domain.md §3): satisfaction_rate above counts satisfied and basically
  // satisfied over the verdicts; these count "satisfied" alone, and "solved" over the verdicts.
  {
    code: 'strict_satisfaction_rate',
    name: { zh: '满意率（仅满意）', en: 'Satisfaction rate (satisfied only)' },
    numerator: 'strictlySatisfied',
    denominator: 'callbacks',
  },
  {
    code: 'solved_rate',
    name: { zh: '回访解决率', en: 'Solved rate (callbacks)' },
    numerator: 'solved',
    denominator: 'callbacks',
  },
];
