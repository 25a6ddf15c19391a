/** How long to wait before each reconnect attempt: doubling from `minMs`, capped at `maxMs`. */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1_000, maxMs: 60_000 };

/**
 * Exponential backoff without jitter: each config node owns one connection, so there is no crowd
 * of clients to spread out, and a fixed sequence is what a person reading the status expects.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.minMs > 0) || !(options.maxMs >= options.minMs)) {
      throw new Error(`backoff: need 0 < minMs <= maxMs, got minMs ${options.minMs} and maxMs ${options.maxMs}`);
    }
  }

  /** Failures since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure and returns the delay before the next attempt. */
  next(): number {
    this.failures += 1;
    return Math.min(this.options.maxMs, this.options.minMs * 2 ** (this.failures - 1));
  }

  reset(): void {
    this.failures = 0;
  }
}
