import type { LimitedStep } from '../categories/schema.js';
import type { IncidentStep } from '../incidents/index.js';
import { consume, countedSpans, unitMs } from '../time-limits/counting.js';
import {
  deadlineWithPauses,
  effectiveLimit,
  extend,
  LightThresholds,
  type LightThresholdsInput,
  light,
  type Pause,
  type TimeContext,
  TimeLimit,
  type TrafficLight,
} from '../time-limits/index.js';
import {
  EXTENSION_ACTIONS,
  EXTERNALLY_LIMITED,
  PAUSED_STATES,
  RESTART_ACTIONS,
  STEP_OF_STATE,
  UNSIGNED_STATES,
} from './rules.js';

/** The clock of the step an incident is in, read from its step records. */
export interface StepClock {
  step: LimitedStep;
  /** The step record that started it (entering the step, or an escalation to a new level). */
  startSeq: number;
  startedAt: Date;
  /** Suspensions since it started; the last has no `to` while the incident is suspended. */
  pauses: Pause[];
  /** Extra limits of approved extensions, in order. */
  extensions: TimeLimit[];
}

type StepLike = Pick<IncidentStep, 'seq' | 'action' | 'fromState' | 'toState' | 'at' | 'data'>;

/** The extra limit an extension step carries (`data.extra`), or undefined when it has none. */
export function extensionOf(step: Pick<IncidentStep, 'data'>): TimeLimit | undefined {
  return TimeLimit.safeParse(step.data.extra).data;
}

/** The clock running after the last of `steps` (ordered by seq), or undefined when no limit runs. */
export function openClock(steps: readonly StepLike[]): StepClock | undefined {
  const last = steps.at(-1);
  const step = last && STEP_OF_STATE[last.toState];
  if (step === undefined) return undefined;
  let start = steps.length - 1;
  for (;;) {
    const record = steps[start] as StepLike;
    const entered = record.fromState === null || STEP_OF_STATE[record.fromState] !== step;
    if (entered || RESTART_ACTIONS.has(record.action) || start === 0) break;
    start -= 1;
  }
  const first = steps[start] as StepLike;
  const pauses: Pause[] = [];
  const extensions: TimeLimit[] = [];
  for (const record of steps.slice(start)) {
    const wasPaused = record.fromState !== null && PAUSED_STATES.has(record.fromState) && record !== first;
    const isPaused = PAUSED_STATES.has(record.toState);
    if (!wasPaused && isPaused) pauses.push({ from: record.at });
    if (wasPaused && !isPaused) {
      const open = pauses.at(-1);
      if (open) open.to = record.at;
    }
    const extra = EXTENSION_ACTIONS.has(record.action) ? extensionOf(record) : undefined;
    if (extra) extensions.push(extra);
  }
  return { step, startSeq: first.seq, startedAt: first.at, pauses, extensions };
}

/** Where the current unsigned period began (the creation, a return or a rework), while nobody has signed. */
export function unsignedSince(steps: readonly StepLike[]): StepLike | undefined {
  const last = steps.at(-1);
  if (!last || !UNSIGNED_STATES.has(last.toState)) return undefined;
  let start = steps.length - 1;
  while (start > 0) {
    const record = steps[start] as StepLike;
    if (record.fromState === null || !UNSIGNED_STATES.has(record.fromState)) break;
    start -= 1;
  }
  return steps[start];
}

/**
 * The limit a clock runs on: the category × severity limit, on natural time for urgent incidents
 * (`effectiveLimit`), lengthened by the extensions (each in the limit's unit, urgent ones natural).
 * A RangeError when an extension's unit cannot add to the limit's.
 */
export function clockLimit(base: TimeLimit, urgent: boolean, extensions: readonly TimeLimit[]): TimeLimit {
  return extensions.reduce(
    (limit, extra) => extend(limit, effectiveLimit(extra, urgent)),
    effectiveLimit(base, urgent),
  );
}

/**
 * The limit a clock starts from, before extensions: the category's (natural time when urgent), or
 * the span to the incident's external deadline when that comes first on a clock it can shorten
 * ({@link EXTERNALLY_LIMITED}), in natural minutes. Extensions then add to whichever governs, and
 * suspensions push it like any limit. A clock starting at or after the external deadline (an
 * escalation restarting it, rework after it passed) runs on the category's limit: the breach, if
 * any, was the earlier clock's.
 */
export function governingLimit(
  base: TimeLimit,
  urgent: boolean,
  clock: Pick<StepClock, 'step' | 'startedAt'>,
  external: Date | null | undefined,
  ctx: TimeContext,
): TimeLimit {
  const own = effectiveLimit(base, urgent);
  if (external == null || !EXTERNALLY_LIMITED.has(clock.step)) return own;
  const minutes = Math.floor((external.getTime() - clock.startedAt.getTime()) / 60_000);
  if (minutes < 1) return own;
  const ownDue = deadlineWithPauses(clock.startedAt, own, [], ctx);
  if (ownDue !== undefined && ownDue.getTime() <= external.getTime()) return own;
  return { value: minutes, unit: 'natural_minutes' };
}

export interface ClockReading {
  step: LimitedStep;
  startSeq: number;
  startedAt: Date;
  limit: TimeLimit;
  /** Null while suspended: the clock stands still. */
  deadline: Date | null;
  /** When the light turns yellow (null while suspended). */
  yellowAt: Date | null;
  /** The first moment the light is red: one counted millisecond past the red share (null while suspended). */
  redAt: Date | null;
  light: TrafficLight;
  /** Share of the limit used, leaving out pauses. */
  used: number;
  paused: boolean;
}

/** A clock read at `now`: its deadline (pauses pushing it), the light and when it turns yellow. */
export function readClock(
  clock: StepClock,
  limit: TimeLimit,
  now: Date,
  ctx: TimeContext,
  thresholds: LightThresholdsInput = {},
): ClockReading {
  const paused = clock.pauses.some((pause) => pause.to === undefined);
  const due = deadlineWithPauses(clock.startedAt, limit, clock.pauses, ctx);
  const reading = light(clock.startedAt, now, limit, clock.pauses, ctx, thresholds);
  const { yellow, red } = LightThresholds.parse(thresholds);
  const budget = limit.value * unitMs(limit.unit, ctx);
  const spent = (ms: number) => consume(countedSpans(clock.startedAt.getTime(), limit.unit, clock.pauses, ctx), ms);
  const yellowAt = spent(Math.ceil(yellow * budget));
  // Red is above the red share: one counted millisecond past it (after hours, when work resumes).
  const redAt = spent(Math.floor(red * budget) + 1);
  return {
    step: clock.step,
    startSeq: clock.startSeq,
    startedAt: clock.startedAt,
    limit,
    deadline: paused ? null : (due ?? null),
    yellowAt: paused || yellowAt === undefined ? null : new Date(yellowAt),
    redAt: paused || redAt === undefined ? null : new Date(redAt),
    light: reading.light,
    used: reading.used,
    paused,
  };
}

type BreachLike = Pick<IncidentStep, 'action' | 'fromState' | 'toState' | 'at' | 'data'>;

/** Actions that record a breached limit: an escalation one level up, or the red card at the top level. */
const isBreach = (step: BreachLike): boolean =>
  step.action === 'overdue' || (step.action === 'supervise' && step.data.reason === 'breach');

/**
 * When the limited step the incident is in was first breached, from its step records: the deadline
 * the first `overdue` (or top-level red card) step names, else that step's time. An escalation
 * restarts the clock at the new level, but the step stays overdue until it is done (docs/domain.md
 * §4); undefined while no limit of this step has been breached.
 */
export function breachOf(steps: readonly BreachLike[]): { since: Date } | undefined {
  const last = steps.at(-1);
  const step = last && STEP_OF_STATE[last.toState];
  if (step === undefined) return undefined;
  let first: BreachLike | undefined;
  for (let index = steps.length - 1; index >= 0; index -= 1) {
    const record = steps[index] as BreachLike;
    if (isBreach(record)) first = record;
    if (record.fromState === null || STEP_OF_STATE[record.fromState] !== step) break;
  }
  if (first === undefined) return undefined;
  const named = typeof first.data.deadline === 'string' ? new Date(first.data.deadline) : undefined;
  return { since: named !== undefined && !Number.isNaN(named.getTime()) ? named : first.at };
}

/** Whether any limit of the loop was breached: a step taken on a red light, or a breach recorded. */
export function everBreached(steps: ReadonlyArray<BreachLike & Pick<IncidentStep, 'light'>>): boolean {
  return steps.some((step) => step.light === 'red' || isBreach(step));
}
