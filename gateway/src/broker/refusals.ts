/** What the broker refused, as a low-cardinality code (for counters) — details go to the log. */
export type RefusalKind = 'connect' | 'publish' | 'subscribe' | 'session';
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
  /** The source address spent its budget of failed password checks: refused without hashing. */
  | 'throttled'
  /** A CONNECT with the bridge bit in its protocol level: the gateway has no bridges. */
  | 'bridge_connect'
  /** A signed-in client pinged faster than `mqtt.limits.max_pings_per_minute` allows: disconnected. */
  | 'too_many_pings'
  /** A client held more unreleased QoS2 messages than `mqtt.limits.max_inflight_qos2_per_client`: disconnected. */
  | 'too_many_unreleased_qos2'
  /** The outbox could not store the event (disk or quota full): refused rather than acknowledged and lost. */
  | 'not_stored'
  /** An integrator's command outside its device's profile: acknowledged, never delivered, dead-lettered. */
  | 'command_invalid'
  /** An integrator sent more commands than `mqtt.limits.integrator_commands_per_minute` allows: not delivered. */
  | 'command_rate_limited';

const REPEAT_WINDOW_MS = 10 * 60_000;
const LOG_WINDOW_MS = 60_000;

export interface RefusalLogLimits {
  /** Clients (or addresses) whose last log line is remembered; the least recently refused is forgotten first. */
  maxTracked: number;
  /** Log lines per refusal kind and code per minute, whoever is refused. */
  linesPerMinute: number;
}

export const DEFAULT_REFUSAL_LOG_LIMITS: RefusalLogLimits = { maxTracked: 4096, linesPerMinute: 30 };

/**
 * Counts every refusal and decides which to log: the first refusal of a kind for a client is
 * logged, repeats within ten minutes are only counted (a device retrying a wrong password every
 * two seconds must not flood the log), and the next log line says how many were suppressed.
 * Both the memory and the log are bounded whoever connects: at most `maxTracked` clients are
 * remembered (random client ids evict each other, not the heap), and each kind and code logs at
 * most `linesPerMinute` lines a minute; a line after a quiet spell says how many it held back.
 */
export class Refusals {
  private readonly counts = new Map<string, number>();
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();
  private readonly lines = new Map<string, { windowStart: number; lines: number; heldBack: number }>();
  private readonly limits: RefusalLogLimits;

  constructor(
    private readonly now: () => number = Date.now,
    limits: Partial<RefusalLogLimits> = {},
  ) {
    this.limits = { ...DEFAULT_REFUSAL_LOG_LIMITS, ...limits };
  }

  /**
   * Records one refusal; returns how many repeats were suppressed since the last log (for this
   * client, plus those held back by the rate limit), or null to stay quiet.
   */
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
    const rate = this.lines.get(key) ?? { windowStart: now, lines: 0, heldBack: 0 };
    this.lines.set(key, rate);
    if (now - rate.windowStart >= LOG_WINDOW_MS) {
      rate.windowStart = now;
      rate.lines = 0;
    }
    if (rate.lines >= this.limits.linesPerMinute) {
      rate.heldBack++;
      return null;
    }
    rate.lines++;
    const heldBack = rate.heldBack;
    rate.heldBack = 0;
    this.lastLogged.delete(logKey); // re-inserted: the map stays in least-recently-refused order
    this.lastLogged.set(logKey, { at: now, suppressed: 0 });
    while (this.lastLogged.size > this.limits.maxTracked) {
      this.lastLogged.delete(this.lastLogged.keys().next().value as string);
    }
    return (last?.suppressed ?? 0) + heldBack;
  }

  /** Clients (or addresses) remembered for log suppression: never more than `maxTracked`. */
  get tracked(): number {
    return this.lastLogged.size;
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
}
