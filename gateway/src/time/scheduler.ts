/** Timers and the clock for the gateway's modules: injectable, so tests run without real waiting. */
export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: a module's timer alone never keeps the process alive. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A wait that `cancel()` ends early (resolving false), so stopping never waits out a backoff. */
export class Sleeper {
  private readonly pending = new Map<unknown, () => void>();

  constructor(private readonly scheduler: Scheduler) {}

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handle = this.scheduler.setTimeout(() => {
        this.pending.delete(handle);
        resolve(true);
      }, ms);
      this.pending.set(handle, () => {
        this.scheduler.clearTimeout(handle);
        resolve(false);
      });
    });
  }

  cancelAll(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }
}
