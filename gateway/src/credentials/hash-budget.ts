/**
 * Bounds the password hashing that unauthenticated clients can make the gateway do.
 *
 * Each source address has a token bucket: a hash reserves a token before it runs and a password
 * that verifies gives it back, so only failures spend the budget, and parallel guesses cannot
 * overspend it (the reservation is taken before the first one finishes). An address without a
 * token is refused at once, without hashing. All hashing shares a small number of slots in FIFO
 * order, so a flood of bad logins from one address waits behind at most its own few reserved
 * hashes and a good login from elsewhere still gets its turn.
 */
export interface HashBudgetLimits {
  /** Failed verifications an address may have in a burst. */
  burst: number;
  /** Tokens an address gets back per minute. */
  perMinute: number;
  /** Verifications running at once, gateway-wide. */
  concurrency: number;
  /** Addresses remembered at most; the least recently seen is forgotten first (it starts afresh). */
  maxAddresses?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class HashBudget {
  private readonly buckets = new Map<string, Bucket>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  /** Verifications refused without hashing, and hashes run (for metrics and tests). */
  readonly counts = { refused: 0, hashed: 0 };

  constructor(
    private readonly limits: HashBudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `verify` within the address's budget: its result, or 'throttled' when the address has
   * none left (then `verify` does not run).
   */
  async run(address: string, verify: () => Promise<boolean>): Promise<boolean | 'throttled'> {
    const bucket = this.bucket(address);
    if (bucket.tokens < 1) {
      this.counts.refused++;
      return 'throttled';
    }
    bucket.tokens -= 1;
    await this.slot();
    let verified = false;
    try {
      this.counts.hashed++;
      verified = await verify();
      return verified;
    } finally {
      this.release();
      if (verified) {
        const after = this.bucket(address);
        after.tokens = Math.min(this.limits.burst, after.tokens + 1);
      }
    }
  }

  /** Addresses currently remembered (bounded by maxAddresses). */
  get addresses(): number {
    return this.buckets.size;
  }

  private bucket(address: string): Bucket {
    const now = this.now();
    const { burst, perMinute } = this.limits;
    let bucket = this.buckets.get(address);
    if (bucket) {
      this.buckets.delete(address); // re-inserted below: the map stays in least-recently-seen order
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
      bucket.at = now;
    } else {
      bucket = { tokens: burst, at: now };
    }
    this.buckets.set(address, bucket);
    const max = this.limits.maxAddresses ?? 10_000;
    while (this.buckets.size > max) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket;
  }

  private slot(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
