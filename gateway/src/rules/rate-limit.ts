/** At most `max` runs per `perMs` for each key (a sliding window of run times). */
export class RateLimiter {
  private readonly runs = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  allow(key: string, max: number, perMs: number): boolean {
    const now = this.now();
    const recent = (this.runs.get(key) ?? []).filter((at) => now - at < perMs);
    if (recent.length >= max) {
      this.runs.set(key, recent);
      return false;
    }
    recent.push(now);
    this.runs.set(key, recent);
    return true;
  }
}
