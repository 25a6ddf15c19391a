import type { Logger } from 'pino';
import type { Db } from '../db/db.js';

/** The channel migration 0031's triggers notify with a community code (devices, alerts, gateway health, tickets). */
export const PROPERTY_CHANNEL = 'property_changes';

type Listener = () => void;

/**
 * Who waits for a community's changes on this replica: one listening connection while any page
 * stream is open (opened with the first, closed with the last), whichever replica made the change.
 * A lost connection that comes back tells every listener, since changes meanwhile were not heard.
 */
export class PropertyChanges {
  private readonly listeners = new Map<string, Set<Listener>>();
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves once the listening connection is open (or failed): a page told `ready` after it
   * misses no change made from then on.
   */
  async listening(): Promise<void> {
    await this.unlisten;
  }

  /** Calls `listener` on each change of `community`; returns what stops it. */
  subscribe(community: string, listener: Listener): () => void {
    const set = this.listeners.get(community) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(community, set);
    this.unlisten ??= this.db
      .listen(PROPERTY_CHANNEL, {
        message: (code) => {
          for (const each of this.listeners.get(code) ?? []) each();
        },
        reconnected: () => {
          for (const set of this.listeners.values()) for (const each of set) each();
        },
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'listening for property changes failed; pages fall back to reading again');
        return undefined;
      });
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(community);
      if (this.listeners.size === 0 && this.unlisten !== undefined) {
        const stopping = this.unlisten;
        this.unlisten = undefined;
        void stopping.then((stop) => stop?.()).catch(() => undefined);
      }
    };
  }
}
