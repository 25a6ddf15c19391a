import type { RuleFile } from '@gridlink/protocol';
import type { Instance } from './engine.js';
import type { RuleStateStore } from './state-store.js';

/** Instances serialised and compared in one event-loop turn of a save. */
export const SAVE_SLICE = 200;

/** What the engine reports since the last save (`RuleEngine.takeChanges`). */
export interface EngineChanges {
  touched: readonly Instance[];
  dropped: readonly string[];
}

interface Changed {
  key: string;
  state: string;
  hash: number;
}

/**
 * Saves rule state as it changes. With 500 rules over 2,000 devices a gateway tracks ~64,000 rule
 * instances (21 MB of JSON), nearly all of them idle between saves: written whole every few
 * seconds, the state held the event loop for over a second each time (alarms waited behind it) and
 * wrote ~360 GB a day to the box's flash. Each instance is now a row. A periodic save looks only at
 * the instances the engine reports touched (observed, waiting on time, raised, cleared, created)
 * and dropped, a slice a turn, compares each with what was last written (a 53-bit hash of its
 * JSON, not a copy of it), and writes only the rows that changed, a slice's rows in one
 * transaction. At stop, and after a reload, every instance is compared and every row of an
 * instance no longer tracked is deleted.
 *
 * Instances are independent (one rule on one device or place), so a save that ends halfway (the
 * process killed) leaves each row as it was at its own last write: a consistent instance, at most
 * one save period old, as before. A write that fails (a full disk) leaves its instances to the
 * next save.
 */
export class RuleStateSaver {
  /** Key → hash of the JSON last written for it. */
  private readonly written = new Map<string, number>();
  /** Reported by the engine and not yet written (kept across a failed write). */
  private readonly touched = new Set<Instance>();
  private readonly dropped = new Set<string>();
  private filesHash: number | undefined;
  private pass: Promise<void> | undefined;
  private generation = 0;

  constructor(
    private readonly store: RuleStateStore,
    private readonly slice = SAVE_SLICE,
  ) {}

  /** What the store held at start: rows not rewritten unless they change, deleted once gone. */
  remember(instances: readonly Instance[], files: readonly RuleFile[]): void {
    for (const instance of instances) this.written.set(instance.key, hash(JSON.stringify(instance)));
    this.filesHash = hash(JSON.stringify(files));
  }

  /**
   * Saves what changed, a slice a turn. A save still under way is left to finish (what the engine
   * reports meanwhile waits for the next one). Resolves once written; rejects with the store's error.
   */
  saveChanges(changes: () => EngineChanges, files: readonly RuleFile[], at: number): Promise<void> {
    if (this.pass) return this.pass;
    const { touched, dropped } = changes();
    for (const key of dropped) this.dropped.add(key);
    // One still waiting from a failed save and dropped since must not be written back.
    for (const instance of this.touched) if (this.dropped.has(instance.key)) this.touched.delete(instance);
    for (const instance of touched) this.touched.add(instance);
    return this.start(() => this.run([...this.touched], [...this.dropped], files, at, this.generation));
  }

  /** Compares every instance, a slice a turn, and deletes the rows of those not among them (after a reload). */
  saveAll(instances: () => readonly Instance[], files: readonly RuleFile[], at: number): Promise<void> {
    const previous = this.pass ?? Promise.resolve();
    const generation = this.generation;
    return this.start(() =>
      previous
        .catch(() => undefined)
        .then(() => {
          const all = instances();
          return generation === this.generation ? this.run(all, this.gone(all), files, at, generation) : undefined;
        }),
    );
  }

  /** Everything now, in one turn (at stop: nothing may be left for later). */
  saveNow(instances: readonly Instance[], files: readonly RuleFile[], at: number): void {
    // A save under way stops at its next slice: this one writes everything.
    this.generation++;
    this.write(this.collect(instances, 0, instances.length), this.gone(instances), at, this.filesIfChanged(files));
    this.touched.clear();
    this.dropped.clear();
  }

  private start(pass: () => Promise<void>): Promise<void> {
    const running = pass().finally(() => {
      if (this.pass === running) this.pass = undefined;
    });
    this.pass = running;
    return running;
  }

  private async run(
    instances: readonly Instance[],
    removed: readonly string[],
    files: readonly RuleFile[],
    at: number,
    /** A save at stop since this one was asked for ends it. */
    generation: number,
  ): Promise<void> {
    // The rule set and the deletions go with the first write: rows are never written without it.
    let filesJson = this.filesIfChanged(files);
    let gone = removed;
    let from = 0;
    do {
      if (from > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (generation !== this.generation) return;
      }
      const to = Math.min(instances.length, from + this.slice);
      this.write(this.collect(instances, from, to), gone, at, filesJson);
      for (let n = from; n < to; n++) this.touched.delete(instances[n] as Instance);
      filesJson = undefined;
      gone = [];
      from = to;
    } while (from < instances.length);
  }

  /** The instances of a slice whose JSON differs from what was last written for them. */
  private collect(instances: readonly Instance[], from: number, to: number): Changed[] {
    const changed: Changed[] = [];
    for (let n = from; n < to; n++) {
      const instance = instances[n] as Instance;
      const state = JSON.stringify(instance);
      const h = hash(state);
      if (this.written.get(instance.key) !== h) changed.push({ key: instance.key, state, hash: h });
    }
    return changed;
  }

  /** Keys written before and not among `instances`. */
  private gone(instances: readonly Instance[]): string[] {
    const keys = new Set(instances.map((instance) => instance.key));
    return [...this.written.keys()].filter((key) => !keys.has(key));
  }

  private write(changed: Changed[], removed: readonly string[], at: number, files: string | undefined): void {
    // Deletions first: an instance dropped and tracked again under its key is written after.
    this.store.write({ rows: changed.map((c) => [c.key, c.state] as const), removed, savedAt: at, files });
    // Let go of only once written: a failed write is tried again by the next save.
    for (const key of removed) {
      this.written.delete(key);
      this.dropped.delete(key);
    }
    for (const c of changed) this.written.set(c.key, c.hash);
    if (files !== undefined) this.filesHash = hash(files);
  }

  private filesIfChanged(files: readonly RuleFile[]): string | undefined {
    const json = JSON.stringify(files);
    return hash(json) === this.filesHash ? undefined : json;
  }
}

/**
 * cyrb53: a 53-bit string hash (public domain). A change is missed only if old and new JSON of
 * one instance collide (about 1 in 9·10^15); a copy of every instance's JSON would cost 21 MB.
 */
export function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
