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

// Dispute mediation 三调联动 (docs/domain.md, "Dispute mediation"): counted from mediation cases, not
// incidents, per grid, street or level by cloud/src/mediation/kpis.ts.

/** What the mediation KPIs count over the cases closed in a period. */
export type MediationCounts = {
  /** Cases closed (an outcome recorded). */
  closed: number;
  /** Closed with an agreement or a partial agreement. */
  agreed: number;
  /** Closed cases whose latest follow-up visit found the agreement honoured. */
  honoured: number;
  /** Failed cases referred on: to the next level or to court. */
  referrals: number;
};

export const MEDIATION_KPI_CODES = ['mediation_success_rate', 'dispute_resolved_rate', 'mediation_referrals'] as const;
export type MediationKpiCode = (typeof MEDIATION_KPI_CODES)[number];

export interface MediationKpiDefinition {
  code: MediationKpiCode;
  name: { zh: string; en: string };
  numerator: keyof MediationCounts;
  /** Absent: the KPI is a count, not a rate. */
  denominator?: keyof MediationCounts;
}

export const MEDIATION_KPI_DEFINITIONS: readonly MediationKpiDefinition[] = [
  {
    code: 'mediation_success_rate',
    name: { zh: '调解成功率', en: 'Mediation success rate' },
    numerator: 'agreed',
    denominator: 'closed',
  },
  {
    code: 'dispute_resolved_rate',
    name: { zh: '矛盾纠纷化解率', en: 'Disputes resolved rate' },
    numerator: 'honoured',
    denominator: 'closed',
  },
  { code: 'mediation_referrals', name: { zh: '移交数', en: 'Referrals' }, numerator: 'referrals' },
];
// ── Co-handling (多部门联动, docs/domain.md §3): per unit, from the co-task steps ───────────────
/** What the co-task KPIs count per unit over a period, from the steps coAssign/coReassign/coDone/coRefuse. */
export interface CoTaskCounts {
  /** Tasks due in the period: done in it, or past their deadline in it without being done. */
  due: number;
  /** Of those, done by their deadline. */
  doneOnTime: number;
  /** Tasks reported done in the period. */
  done: number;
  /** Refusals (退回) in the period. */
  refusals: number;
  /** Hours from being given the task to reporting it done, summed over the tasks done. */
  handlingHours: number;
}

export const CO_TASK_KPI_CODES = [
  'co_task_on_time_rate',
  'co_task_refusals',
  'co_task_average_handling_hours',
] as const;
export type CoTaskKpiCode = (typeof CO_TASK_KPI_CODES)[number];

export interface CoTaskKpiDefinition {
  code: CoTaskKpiCode;
  name: { zh: string; en: string };
  /** `rate`: numerator ÷ denominator; `count`: the numerator; `average`: numerator ÷ denominator, in its unit. */
  kind: 'rate' | 'count' | 'average';
  numerator: keyof CoTaskCounts;
  denominator?: keyof CoTaskCounts;
  lowerIsBetter?: true;
}

export const CO_TASK_KPI_DEFINITIONS: readonly CoTaskKpiDefinition[] = [
  {
    code: 'co_task_on_time_rate',
    name: { zh: '联办按期办结率', en: 'Co-task on-time rate' },
    kind: 'rate',
    numerator: 'doneOnTime',
    denominator: 'due',
  },
  {
    code: 'co_task_refusals',
    name: { zh: '联办退回次数', en: 'Co-task refusals' },
    kind: 'count',
    numerator: 'refusals',
    lowerIsBetter: true,
  },
  {
    code: 'co_task_average_handling_hours',
    name: { zh: '联办平均办理时长（小时）', en: 'Average co-task handling time (hours)' },
    kind: 'average',
    numerator: 'handlingHours',
    denominator: 'done',
    lowerIsBetter: true,
  },
];
// ── end of co-handling ─────────────────────────────────────────────────────────────────────────
