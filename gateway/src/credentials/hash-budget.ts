/**
 * Bounds the password hashing that unauthenticated clients can make the gateway do.
 *
 * Each source address has a budget of failures (a token bucket): a wrong password spends a token,
 * and an address without one is refused at once, without hashing, until it has earned one back.
 * Hashes run at most `concurrency` at a time gateway-wide and one at a time per address, taking
 * addresses in turn: parallel guesses from one address wait for each other (so they cannot
 * overspend the budget between a check and its failure), and a flood from one address delays a
 * good login from another by at most one hash per busy address. Logins that succeed cost nothing,
 * so a reconnect storm from behind one NAT is only serialised, never refused.
 */
export interface HashBudgetLimits {
  /** Failed verifications an address may have in a burst. */
  burst: number;
  /** Failures an address earns back per minute. */
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

interface Waiter {
  verify: () => Promise<boolean>;
  resolve: (result: boolean | 'throttled') => void;
  reject: (err: unknown) => void;
}

export class HashBudget {
  private readonly buckets = new Map<string, Bucket>();
  /** Waiting verifications per address, in the order addresses take turns. */
  private readonly queues = new Map<string, Waiter[]>();
  private readonly busy = new Set<string>();
  /** Verifications refused without hashing, and hashes run (for tests and metrics). */
  readonly counts = { refused: 0, hashed: 0 };

  constructor(
    private readonly limits: HashBudgetLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `verify` within the address's budget: its result, or 'throttled' when the address has
   * no failures left (then `verify` does not run).
   */
  run(address: string, verify: () => Promise<boolean>): Promise<boolean | 'throttled'> {
    if (this.bucket(address).tokens < 1) {
      this.counts.refused++;
      return Promise.resolve('throttled');
    }
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(address) ?? [];
      queue.push({ verify, resolve, reject });
      this.queues.set(address, queue);
      this.pump();
    });
  }

  /** Addresses currently remembered (bounded by maxAddresses). */
  get addresses(): number {
    return this.buckets.size;
  }

  private pump(): void {
    for (const [address, queue] of this.queues) {
      if (this.busy.size >= this.limits.concurrency) return;
      if (this.busy.has(address)) continue;
      if (this.bucket(address).tokens < 1) {
        // The budget ran out while they waited.
        this.queues.delete(address);
        for (const waiter of queue) {
          this.counts.refused++;
          waiter.resolve('throttled');
        }
        continue;
      }
      const waiter = queue.shift();
      if (queue.length === 0) this.queues.delete(address);
      if (!waiter) continue;
      this.busy.add(address);
      this.counts.hashed++;
      waiter.verify().then(
        (verified) => {
          if (!verified) this.bucket(address).tokens -= 1;
          this.finish(address);
          waiter.resolve(verified);
        },
        (err: unknown) => {
          this.finish(address);
          waiter.reject(err);
        },
      );
    }
  }

  private finish(address: string): void {
    this.busy.delete(address);
    // Its next waiter, if any, goes to the back of the line of addresses.
    const queue = this.queues.get(address);
    if (queue) {
      this.queues.delete(address);
      this.queues.set(address, queue);
    }
    this.pump();
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
}
