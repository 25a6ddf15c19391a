/** What the broker refused, as a low-cardinality code (for counters) — details go to the log. */
export type RefusalKind = 'connect' | 'publish' | 'subscribe';
export type RefusalCode =
  | 'no_credentials'
  | 'unknown_user'
  | 'wrong_password'
  | 'retired_device'
  | 'client_id_mismatch'
  /** The client id holds a session (live or stored) of another principal. */
  | 'session_owner_mismatch'
  | 'certificate_mismatch'
  | 'certificate_required'
  | 'will_topic_denied'
  | 'acl_denied'
  | 'system_topic'
  | 'packet_too_large'
  | 'too_many_connections'
  /** The outbox could not store the event (disk or quota full): refused rather than acknowledged and lost. */
  | 'not_stored';

const REPEAT_WINDOW_MS = 10 * 60_000;

/**
 * Counts every refusal and decides which to log: the first refusal of a kind for a client is
 * logged, repeats within ten minutes are only counted (a device retrying a wrong password every
 * two seconds must not flood the log), and the next log line says how many were suppressed.
 */
export class Refusals {
  private readonly counts = new Map<string, number>();
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one refusal; returns how many repeats were suppressed since the last log, or null to stay quiet. */
  record(kind: RefusalKind, code: RefusalCode, who: string): number | null {
    const key = `${kind}:${code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const logKey = `${key}:${who}`;
    const last = this.lastLogged.get(logKey);
    const now = this.now();
    if (last && now - last.at < REPEAT_WINDOW_MS) {
      last.suppressed++;
      return null;
    }
    this.lastLogged.set(logKey, { at: now, suppressed: 0 });
    if (this.lastLogged.size > 10_000) this.forgetOld(now);
    return last?.suppressed ?? 0;
  }

  total(kind?: RefusalKind): number {
    let sum = 0;
    for (const [key, count] of this.counts) if (!kind || key.startsWith(`${kind}:`)) sum += count;
    return sum;
  }

  /** `{ "connect:wrong_password": 3, … }` */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private forgetOld(now: number): void {
    for (const [key, { at }] of this.lastLogged) if (now - at >= REPEAT_WINDOW_MS) this.lastLogged.delete(key);
  }
}
