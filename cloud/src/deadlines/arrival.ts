import type { IncidentStep } from '../incidents/records.js';
import { deadline, type TimeContext, type TimeLimit } from '../time-limits/index.js';
import type { ResponseMeasure } from './rules.js';

/** A response measure of the current round of work, as the incident's detail shows it. */
export interface ResponseStatus {
  measure: string;
  started_at: Date;
  due_by: Date;
  /** When it ended (the arrival), or null while it runs. */
  ended_at: Date | null;
  /** Minutes from start to end (or to now while it runs), rounded down. */
  minutes: number;
  /** Ended by the limit: true; ended late or past the limit while running: false; running in time: null. */
  on_time: boolean | null;
  /** What the ending step recorded of the distance to the incident's place, in metres. */
  distance_m: number | null;
}

/** The span of `measure` in the steps: the last start and the first end after it (undefined: not started). */
export function measuredSpan(
  steps: readonly IncidentStep[],
  measure: ResponseMeasure,
): { start: IncidentStep; end: IncidentStep | undefined } | undefined {
  let start: IncidentStep | undefined;
  for (const step of steps) if (measure.startsAt.includes(step.action)) start = step;
  if (start === undefined) return undefined;
  const startSeq = start.seq;
  const end = steps.find((step) => step.seq > startSeq && measure.endsAt.includes(step.action));
  return { start, end };
}

/** The measure's status at `now`, or undefined when it has not started in this round. */
export function responseStatus(
  steps: readonly IncidentStep[],
  measure: ResponseMeasure,
  limit: TimeLimit,
  ctx: TimeContext,
  now: Date,
): ResponseStatus | undefined {
  const span = measuredSpan(steps, measure);
  if (span === undefined) return undefined;
  const startedAt = span.start.at;
  const due = deadline(startedAt, limit, ctx);
  const endedAt = span.end?.at ?? null;
  const until = endedAt ?? now;
  const distance = span.end?.data.distance_m;
  return {
    measure: measure.name,
    started_at: startedAt,
    due_by: due,
    ended_at: endedAt,
    minutes: Math.max(0, Math.floor((until.getTime() - startedAt.getTime()) / 60_000)),
    on_time: endedAt !== null ? endedAt <= due : now > due ? false : null,
    distance_m: typeof distance === 'number' ? distance : null,
  };
}
