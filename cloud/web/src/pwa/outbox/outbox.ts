import type { OutboxBody, OutboxItem, OutboxProblem, UploadRecovery } from './item.js';
import { at, referencedIds, resolveJson, resolvePath, UnresolvedRef } from './placeholders.js';
import type { OutboxStore } from './store.js';

/** A request as a page queues it; the outbox adds the bookkeeping. */
export interface NewRequest {
  /** The request id (also sent in the body where the API takes one): unique per user action. */
  id: string;
  kind: string;
  subject: string;
  label: { zh: string; en: string };
  method: OutboxItem['method'];
  path: string;
  body: OutboxBody;
  after?: string[];
  recovery?: UploadRecovery;
}

/** A request ready for the wire: placeholders resolved. */
export interface WireRequest {
  method: string;
  path: string;
  body: OutboxBody;
}

export type SendOutcome =
  | { ok: true; result: unknown }
  /** No answer came (offline, connection cut): it may or may not have arrived. */
  | { ok: false; network: true }
  | { ok: false; network?: false; problem: OutboxProblem; retryAfterS?: number };

export interface Transport {
  send(request: WireRequest): Promise<SendOutcome>;
}

export interface OutboxOptions {
  store: OutboxStore;
  transport: Transport;
  /** Whose session sends: only their items go out. */
  owner: () => string | undefined;
  now?: () => Date;
  /** In [0, 1): spreads retries of many phones after an outage. */
  random?: () => number;
  /** Runs a pass so that two tabs never send at once (the Web Locks API in the browser). */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Told after every change, with all items in queue order. */
  changed?: (items: OutboxItem[]) => void;
  /** How long a sent item stays listed ("已发送") once nothing waits on its answer. */
  keepSentMs?: number;
}

const FIRST_DELAY_MS = 2_000;
const MAX_DELAY_MS = 5 * 60_000;
const FINAL = new Set(['sent', 'refused', 'conflict']);

/**
 * The phone's outbox: requests kept until the server has them, sent strictly in the order they were
 * queued. An item waits for the items it depends on (its placeholders and `after`) and for earlier
 * items about the same subject; one refused or in conflict holds those back until the worker
 * decides (retry or discard), and never anything else. No answer at all (offline) ends the pass:
 * the next one starts when the network is back, on a timer with growing delays, or on page load.
 */
export class Outbox {
  private items = new Map<string, OutboxItem>();
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  /** No pass before this unless forced (a growing delay after failures). */
  retryAt = 0;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** All items, in queue order. */
  list(): OutboxItem[] {
    return [...this.items.values()].sort((a, b) => a.seq - b.seq);
  }

  get(id: string): OutboxItem | undefined {
    return this.items.get(id);
  }

  /** Reads what is stored (another tab may have changed it). */
  async load(): Promise<void> {
    const stored = await this.options.store.all();
    this.items = new Map(stored.map((item) => [item.id, item]));
    this.notify();
  }

  /**
   * On page load: reads what is stored; an item the page was sending when it closed goes back to
   * pending, marked as possibly arrived (an upload is then looked for before it is sent again).
   */
  async start(): Promise<void> {
    const exclusive = this.options.exclusive ?? ((work) => work());
    await exclusive(async () => {
      await this.load();
      const interrupted = this.list().filter((item) => item.state === 'sending');
      for (const item of interrupted) await this.save(item, { state: 'pending', unanswered: true });
    });
  }

  /**
   * Queues requests together (all or none): a step and the photos it names. Throws {@link StorageFull}
   * when the phone has no room, and an Error when a request refers to one the outbox does not hold.
   */
  async enqueue(requests: NewRequest[]): Promise<OutboxItem[]> {
    const owner = this.options.owner();
    if (!owner) throw new Error('nobody is signed in');
    await this.load();
    let seq = Math.max(0, ...[...this.items.values()].map((item) => item.seq));
    const known = new Set(this.items.keys());
    const queuedAt = this.now().toISOString();
    const items = requests.map((request): OutboxItem => {
      if (known.has(request.id)) throw new Error(`request ${request.id} is queued already`);
      const json = 'json' in request.body ? request.body.json : undefined;
      const after = [...new Set([...(request.after ?? []), ...referencedIds(request.path, json)])];
      const missing = after.filter((id) => !known.has(id));
      if (missing.length > 0) throw new Error(`request ${request.id} needs ${missing.join(', ')}, not queued`);
      known.add(request.id);
      return {
        id: request.id,
        seq: ++seq,
        owner,
        kind: request.kind,
        subject: request.subject,
        label: request.label,
        method: request.method,
        path: request.path,
        body: request.body,
        after,
        ...(request.recovery ? { recovery: request.recovery } : {}),
        state: 'pending',
        attempts: 0,
        unanswered: false,
        queuedAt,
      };
    });
    await this.options.store.put(items);
    for (const item of items) this.items.set(item.id, item);
    this.notify();
    return items;
  }

  /**
   * Sends what may go now. `force` ignores the retry delay (the network just came back, the worker
   * pressed "send now"). A call while a pass runs makes it run once more.
   */
  flush(force = false): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      do {
        this.again = false;
        if (!force && this.now().getTime() < this.retryAt) return;
        await this.pass();
      } while (this.again);
    };
    const exclusive = this.options.exclusive ?? ((work) => work());
    this.running = exclusive(run).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Whether the item waits on something: an earlier one it needs, or an earlier one of its subject. */
  blockerOf(item: OutboxItem): OutboxItem | undefined {
    for (const id of item.after) {
      const needed = this.items.get(id);
      if (!needed) return undefined; // discarded: discard() takes dependents along, so not reached
      if (needed.state !== 'sent') return needed;
    }
    return this.list().find(
      (other) =>
        other.seq < item.seq && other.owner === item.owner && other.subject === item.subject && other.state !== 'sent',
    );
  }

  private async pass(): Promise<void> {
    await this.load();
    const owner = this.options.owner();
    for (const item of this.list()) {
      if (item.owner !== owner || item.state !== 'pending') continue;
      if (this.blockerOf(item)) continue;
      const go = await this.sendOne(item);
      if (!go) return;
    }
    this.failures = 0;
    this.retryAt = 0;
    await this.prune();
  }

  /** Sends one item; false when the pass must stop (no network, the server in trouble, no session). */
  private async sendOne(item: OutboxItem): Promise<boolean> {
    const results = (id: string) => this.items.get(id)?.result;
    let wire: WireRequest;
    try {
      wire = {
        method: item.method,
        path: resolvePath(item.path, results),
        body: 'json' in item.body ? { json: resolveJson(item.body.json, results, this.now()) } : item.body,
      };
    } catch (err) {
      if (!(err instanceof UnresolvedRef)) throw err;
      return this.settle(item, { state: 'refused', problem: localProblem(err.message) });
    }
    if (item.unanswered && item.recovery) {
      const found = await this.recover(item.recovery, results);
      if (found === 'offline') return this.backOff();
      if (found !== undefined) return this.settle(item, { state: 'sent', result: found });
    }
    await this.save(item, { state: 'sending', attempts: item.attempts + 1, unanswered: true });
    const outcome = await this.options.transport.send(wire).catch((): SendOutcome => ({ ok: false, network: true }));
    if (outcome.ok) return this.settle(item, { state: 'sent', result: outcome.result, unanswered: false });
    if (outcome.network) {
      await this.save(item, { state: 'pending' });
      return this.backOff();
    }
    const { status } = outcome.problem;
    // The session ended: the worker signs in again and the item goes then, unchanged.
    if (status === 401) {
      await this.save(item, { state: 'pending', unanswered: false });
      return false;
    }
    // The server could not take it now (overloaded, restarting): later, as it asks.
    if (status === 408 || status === 429 || status >= 500) {
      await this.save(item, { state: 'pending', unanswered: false });
      return this.backOff(outcome.retryAfterS);
    }
    return this.settle(item, {
      state: status === 409 ? 'conflict' : 'refused',
      problem: outcome.problem,
      unanswered: false,
    });
  }

  /** The upload that may have arrived: found among the subject's files by its digest, or not. */
  private async recover(
    recovery: UploadRecovery,
    results: (id: string) => unknown,
  ): Promise<unknown | 'offline' | undefined> {
    let outcome: SendOutcome;
    try {
      outcome = await this.options.transport.send({
        method: 'GET',
        path: resolvePath(recovery.path, results),
        body: { none: true },
      });
    } catch {
      return 'offline';
    }
    if (!outcome.ok) return outcome.network ? 'offline' : undefined;
    let list: unknown;
    try {
      list = at(outcome.result, recovery.pointer);
    } catch {
      return undefined;
    }
    return Array.isArray(list)
      ? list.find((entry) => (entry as { sha256?: unknown })?.sha256 === recovery.sha256)
      : undefined;
  }

  private async settle(item: OutboxItem, change: Partial<OutboxItem>): Promise<boolean> {
    const sent = change.state === 'sent';
    await this.save(item, {
      ...change,
      ...(sent ? { sentAt: this.now().toISOString(), problem: undefined } : {}),
      // A photo's bytes are not kept once the server has them.
      ...(sent && 'blob' in item.body ? { body: { none: true } as const } : {}),
    });
    return true;
  }

  private async backOff(retryAfterS?: number): Promise<false> {
    this.failures++;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.failures - 1));
    const jittered = delay / 2 + (delay / 2) * this.random();
    this.retryAt = this.now().getTime() + Math.max(jittered, (retryAfterS ?? 0) * 1000);
    this.notify();
    return false;
  }

  private async save(item: OutboxItem, change: Partial<OutboxItem>): Promise<void> {
    const next = { ...(this.items.get(item.id) ?? item), ...change };
    for (const [key, value] of Object.entries(change))
      if (value === undefined) delete (next as Record<string, unknown>)[key];
    await this.options.store.put([next]);
    this.items.set(item.id, next);
    this.notify();
  }

  /**
   * Sends a refused or conflicting item again, the worker having decided so; `rebase` gives its
   * body on what changed (a transition on the incident's new version). The request id stays: the
   * server never took it.
   */
  async retry(id: string, rebase?: (json: unknown) => unknown): Promise<void> {
    await this.load();
    const item = this.items.get(id);
    if (!item || (item.state !== 'refused' && item.state !== 'conflict')) return;
    await this.save(item, {
      state: 'pending',
      problem: undefined,
      ...(rebase && 'json' in item.body ? { body: { json: rebase(item.body.json) } } : {}),
    });
    await this.flush(true);
  }

  /** The worker gives an item up: it and what depends on it (which could never be sent) go. Returns the ids. */
  async discard(id: string): Promise<string[]> {
    await this.load();
    const item = this.items.get(id);
    if (!item || item.state === 'sending') return [];
    const gone = new Set([id]);
    for (const other of this.list())
      if (other.after.some((needed) => gone.has(needed)) && other.state !== 'sent') gone.add(other.id);
    await this.options.store.remove([...gone]);
    for (const key of gone) this.items.delete(key);
    this.notify();
    return [...gone];
  }

  /** Sent items go once nothing waits on their answer and the panel showed them long enough. */
  private async prune(): Promise<void> {
    const keep = this.options.keepSentMs ?? 24 * 3_600_000;
    const now = this.now().getTime();
    const needed = new Set(
      this.list()
        .filter((item) => item.state !== 'sent')
        .flatMap((item) => item.after),
    );
    const old = this.list().filter(
      (item) => item.state === 'sent' && !needed.has(item.id) && now - Date.parse(item.sentAt ?? item.queuedAt) > keep,
    );
    if (old.length === 0) return;
    await this.options.store.remove(old.map((item) => item.id));
    for (const item of old) this.items.delete(item.id);
    this.notify();
  }

  /** True when every one of the ids is sent, refused or in conflict. */
  settled(ids: string[]): boolean {
    return ids.every((id) => FINAL.has(this.items.get(id)?.state ?? 'sent'));
  }

  private notify(): void {
    this.options.changed?.(this.list());
  }
}

function localProblem(text: string): OutboxProblem {
  return { status: 0, code: 'GL_OUTBOX_UNRESOLVED', text, errors: [] };
}
