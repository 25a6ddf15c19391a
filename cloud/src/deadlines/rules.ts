import { CategoryCode, type IncidentState, Supervision, TerritoryLevel } from '@gridlink/protocol';
import { z } from 'zod';
import type { LimitedStep } from '../categories/schema.js';
import { LightThresholds, TenantTimeSettings } from '../time-limits/index.js';

/**
 * Which limited step (docs/domain.md §4) runs while an incident is in a state. A clock starts when a
 * transition enters a state of another step (or an escalation restarts it at the new level) and
 * runs through the states of the same step: REPORTED → ACCEPTED → FILED share file+dispatch, so
 * the 30 minutes count from the report until the dispatch. States not listed have no limit.
 */
export const STEP_OF_STATE: Readonly<Partial<Record<IncidentState, LimitedStep>>> = {
  REPORTED: 'file_dispatch',
  VERIFYING: 'file_dispatch',
  ACCEPTED: 'file_dispatch',
  FILED: 'file_dispatch',
  DISPATCHED: 'sign',
  IN_PROGRESS: 'handle',
  SUSPENDED: 'handle',
  HANDLED: 'check',
  CHECKING: 'check',
  PENDING_CLOSE: 'close',
  CLOSED: 'callback',
};

/**
 * A response measure: from the last of `startsAt` (the current round of work) to the first of
 * `endsAt` after it, timed against the catalogue's limit of `limitedStep`. It is measured, not a
 * state's clock: it runs beside the sign and handle clocks, neither pauses, escalates nor supervises.
 */
export interface ResponseMeasure {
  name: string;
  limitedStep: LimitedStep;
  startsAt: readonly string[];
  endsAt: readonly string[];
}

/**
 * 到场时效: from the dispatch (or a re-dispatch, or the work sent back by a failed check or an
 * unsatisfied callback) to the assignee's arrival on site (`arrive`, 到场签到).
 */
export const ARRIVAL_MEASURE: ResponseMeasure = {
  name: 'arrival',
  limitedStep: 'arrive',
  startsAt: ['dispatch', 'redispatch', 'fail', 'callbackUnsatisfied'],
  endsAt: ['arrive'],
};

/**
 * Steps whose clock an incident's external deadline (a hotline platform's 办结时限) can shorten: the
 * handling, the step the platform's deadline is about.
 */
export const EXTERNALLY_LIMITED: ReadonlySet<LimitedStep> = new Set(['handle']);

/** States in which the clock stands still (挂账/缓办); leaving them resumes it. */
export const PAUSED_STATES: ReadonlySet<IncidentState> = new Set(['SUSPENDED']);

/** Before anyone signed for the work: the unsigned life-safety chain runs in these states. */
export const UNSIGNED_STATES: ReadonlySet<IncidentState> = new Set([
  'REPORTED',
  'VERIFYING',
  'ACCEPTED',
  'FILED',
  'DISPATCHED',
]);

/**
 * Actions whose step restarts the clock of the same step: the incident is at a new level, or the
 * work went to a new assignee (改派 before signing: they get the whole time to sign).
 */
export const RESTART_ACTIONS: ReadonlySet<string> = new Set(['escalate', 'overdue', 'redispatch']);

/** Approved extensions (延期): `data.extra` is the limit added, e.g. `{ value: 2, unit: 'working_days' }`. */
export const EXTENSION_ACTIONS: ReadonlySet<string> = new Set(['extend']);

/** The supervision ladder (督办): none → normal (普通) → yellow card (黄牌) → red card (红牌). */
export const SUPERVISION_LADDER = Supervision.options;
export type SupervisionLevel = z.infer<typeof Supervision>;

export const supervisionRank = (level: string): number => SUPERVISION_LADDER.indexOf(level as SupervisionLevel);

/** A tenant's deadline settings, stored in `deadline_settings`. */
export const DeadlineSettings = z.strictObject({
  /** Working hours, UTC offset, the tenant's own holidays and workdays (over the Chinese calendar). */
  time: TenantTimeSettings.prefault({}),
  /** Shares of the limit at which a step turns yellow and red. */
  thresholds: LightThresholds.prefault({}),
  /** What a yellow light raises the supervision to (never lowers it). */
  yellowSupervision: Supervision.exclude(['none']).default('normal'),
  /** What a breach (red) raises it to, with one level up. */
  breachSupervision: Supervision.exclude(['none']).default('red_card'),
  /** A life-safety incident nobody signed for this long goes one link up the chain, then again. */
  unsignedMinutes: z
    .int()
    .min(1)
    .max(24 * 60)
    .default(10),
  /** The links above the grid chief (who is told first), in order. */
  unsignedChain: z
    .array(TerritoryLevel.exclude(['grid']))
    .min(1)
    .default(['community', 'street']),
  /**
   * Categories (with their children) whose incidents run the unsigned chain even when not urgent;
   * urgent incidents (加急: life safety) always run it.
   */
  unsignedCategories: z
    .array(CategoryCode)
    .max(200)
    .refine((codes) => new Set(codes).size === codes.length, { error: 'list each category code once' })
    .default([]),
});
export type DeadlineSettings = z.output<typeof DeadlineSettings>;
export type DeadlineSettingsInput = z.input<typeof DeadlineSettings>;
