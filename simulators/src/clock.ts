/** Milliseconds since the epoch, as the simulated world sees them. */
export type Clock = () => number;

/**
 * A clock that moves only when told to: scenarios and tests drive it, so hours of simulated time
 * (a night without water use) pass in a moment and every timestamp is exact.
 */
export interface ManualClock extends Clock {
  advance(ms: number): number;
  set(at: number): void;
}

export function manualClock(start: number | string = '2026-11-25T08:00:00.000Z'): ManualClock {
  let now = typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(now)) throw new Error(`manualClock: start ${JSON.stringify(start)} is not a time`);
  const clock = (() => now) as ManualClock;
  clock.advance = (ms: number) => {
    if (!(ms >= 0)) throw new Error(`manualClock.advance: ms must be ≥ 0, received ${ms}`);
    now += ms;
    return now;
  };
  clock.set = (at: number) => {
    if (at < now) throw new Error(`manualClock.set: time only moves forward (${at} < ${now})`);
    now = at;
  };
  return clock;
}
