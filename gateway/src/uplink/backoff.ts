import { performance } from 'node:perf_hooks';

/** Milliseconds from a clock that only moves forward: wall-clock steps (NTP, an installer) change nothing. */
export type MonotonicClock = () => number;
export const monotonic: MonotonicClock = () => performance.now();

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** In [0, 1): the source of jitter; injectable so tests are exact. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": each delay is between half and all of the current step,
 * and the step doubles up to the maximum. Jitter keeps a district's gateways from retrying in step
 * after the cloud comes back; the half that is not random keeps one gateway from retrying at once.
 */
export class Backoff {
  private failures = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt, after one more failure. */
  next(): number {
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/**
 * A token bucket on the monotonic clock: `take(n)` says how long to wait before `n` events may go.
 * The bucket holds one second of events, so a quiet link can send a burst that large at once.
 */
export class RateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: MonotonicClock = monotonic,
  ) {
    this.tokens = perSecond;
    this.last = clock();
  }

  /** Takes n tokens (going into debt if needed) and returns the wait in ms before sending. */
  take(n: number): number {
    const now = this.clock();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}
