/** How many commands an integrator account may send: a burst, then so many a minute. */
export interface CommandRate {
  burst: number;
  perMinute: number;
}

/**
 * A token bucket per integrator account, shared by all of its connections (a runaway flow must
 * not get a fresh allowance by reconnecting or opening a second client).
 */
export class CommandRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: CommandRate,
    private readonly now: () => number,
  ) {}

  /** Takes one command's token; false when the account has spent its allowance. */
  take(account: string): boolean {
    const at = this.now();
    const bucket = this.buckets.get(account) ?? { tokens: this.rate.burst, at };
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + ((at - bucket.at) * this.rate.perMinute) / 60_000);
    bucket.at = at;
    this.buckets.set(account, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
