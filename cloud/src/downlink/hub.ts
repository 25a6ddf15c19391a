/**
 * Wakes long-polls held for a gateway when a message is queued for it in this process. Messages
 * queued by another replica are found by the polls' own periodic re-check instead.
 */
export class DownlinkHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /**
   * Resolves when a message is queued for `gatewayId`, after `ms`, when `signal` aborts, or when
   * the hub closes, whichever comes first.
   */
  wait(gatewayId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(gatewayId) ?? new Set();
      this.waiters.set(gatewayId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(gatewayId) === set) this.waiters.delete(gatewayId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  notify(gatewayId: string): void {
    for (const wake of [...(this.waiters.get(gatewayId) ?? [])]) wake();
  }

  /** Polls currently held, over all gateways. */
  get held(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Shutdown: every held poll answers now, and new ones do not wait. */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
