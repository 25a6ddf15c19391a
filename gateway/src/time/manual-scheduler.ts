import type { Scheduler } from './scheduler.js';

/** Timers that only fire when the test advances the clock. */
export class ManualScheduler implements Scheduler {
  constructor(private time = 0) {}

  private nextId = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Delays (from now) of the timers still pending. */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  /** Moves the clock forward, firing due timers in order and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let dueId: number | undefined;
      let dueAt = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && timer.at < dueAt) {
          dueId = id;
          dueAt = timer.at;
        }
      }
      if (dueId === undefined) break;
      const due = this.timers.get(dueId);
      this.timers.delete(dueId);
      this.time = dueAt;
      due?.callback();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending promise callbacks run, chains of them included (a few turns of the event loop). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
}
