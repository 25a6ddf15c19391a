import { HashBudget } from '../credentials/hash-budget.js';

/**
 * Console sign-in throttling, on the broker's own mechanism (credentials/hash-budget.ts): failed
 * sign-ins spend tokens per source address and, separately, per account name, so neither one
 * laptop guessing many accounts nor many addresses guessing one account gets far. Both maps are
 * bounded (least recently seen forgotten first).
 */
export class LoginThrottle {
  private readonly byAddress: HashBudget;
  private readonly byAccount: HashBudget;

  constructor(
    limits: { burst: number; perMinute: number } = { burst: 10, perMinute: 5 },
    now: () => number = Date.now,
  ) {
    this.byAddress = new HashBudget({ ...limits, concurrency: 2, maxAddresses: 10_000 }, now);
    this.byAccount = new HashBudget({ ...limits, concurrency: 2, maxAddresses: 10_000 }, now);
  }

  /** Runs `verify` if both the address and the account have failures left; 'throttled' if not. */
  async check(address: string, username: string, verify: () => Promise<boolean>): Promise<boolean | 'throttled'> {
    return this.byAddress
      .run(address, async () => {
        const result = await this.byAccount.run(username, verify);
        if (result === 'throttled') throw new ThrottledAccount();
        return result;
      })
      .catch((err: unknown) => {
        if (err instanceof ThrottledAccount) return 'throttled' as const;
        throw err;
      });
  }
}

class ThrottledAccount extends Error {}
