/** How long to wait before the next try: doubling from `initialMs` up to `maxMs`, with jitter. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** A number in [0, 1) for the jitter; tests pass a seeded one. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so many clients cut off at
 * once do not all come back in the same instant. `reset()` after a success.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** Tries that failed since the last success. */
  get failures(): number {
    return this.attempt;
  }

  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
