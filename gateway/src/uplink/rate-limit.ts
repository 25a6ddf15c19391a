import { type MonotonicClock, monotonic } from '../time/backoff.js';

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
