import { performance } from 'node:perf_hooks';

/** Milliseconds from a clock that only moves forward: wall-clock steps (NTP, an installer) change nothing. */
export type MonotonicClock = () => number;
export const monotonic: MonotonicClock = () => performance.now();

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** The random share of each delay, 0…1; the default 0.5 is "equal jitter". */
  jitter?: number;
  /** In [0, 1): the source of jitter; injectable so tests are exact. */
  random?: () => number;
}

/**
 * The gateway's one exponential backoff (the uplink, cameras and telemetry retry with it): the step
 * doubles up to the maximum and each delay is the step less a random share of it (by default
 * "equal jitter": between half and all of the step). Jitter keeps a district's gateways from
 * retrying in step after the cloud or InfluxDB comes back; the part that is not random keeps one
 * gateway from retrying at once.
 */
export class Backoff {
  private failures = 0;
  private readonly random: () => number;
  private readonly jitter: number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
    this.jitter = options.jitter ?? 0.5;
  }

  /** The delay before the next attempt, after one more failure. */
  next(): number {
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(step * (1 - this.jitter) + step * this.jitter * this.random());
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
