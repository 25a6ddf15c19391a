/** Why the broker refused something; counted per reason, logged once per occurrence. */
export type RefusalKind = 'connect' | 'publish' | 'subscribe';

export class RefusalCounter {
  private readonly counts = new Map<string, number>();

  add(kind: RefusalKind, reason: string): void {
    const key = `${kind}:${reason}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  total(kind?: RefusalKind): number {
    let sum = 0;
    for (const [key, count] of this.counts) if (!kind || key.startsWith(`${kind}:`)) sum += count;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
