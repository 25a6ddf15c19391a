import type { Logger } from 'pino';
import type { Db } from '../db/db.js';

/** Channel of migration 0020's triggers: the payload is the id of a user whose sessions or roles changed. */
export const SESSIONS_CHANNEL = 'gridlink_sessions';

type Listener = () => void;

/**
 * Tells the open streams of a user, on every replica, that the user's sessions or roles changed
 * (logout, refresh, deactivation, a new password, a role given or taken): triggers announce it on
 * commit, one listening connection per replica hears it, and each stream of that user checks its
 * session again at once instead of at its next heartbeat. When the listening connection was lost,
 * every stream checks, since announcements may have been missed meanwhile.
 */
export class SessionSignals {
  private readonly byUser = new Map<string, Set<Listener>>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(SESSIONS_CHANNEL, {
      message: (userId) => this.changed(userId),
      reconnected: () => {
        this.logger.info('listening for session changes again; every open stream checks its session');
        for (const userId of [...this.byUser.keys()]) this.changed(userId);
      },
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
    this.byUser.clear();
  }

  /** Calls `listener` whenever `userId`'s sessions or roles change; returns the function that stops it. */
  watch(userId: string, listener: Listener): () => void {
    const listeners = this.byUser.get(userId) ?? new Set<Listener>();
    listeners.add(listener);
    this.byUser.set(userId, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byUser.get(userId) === listeners) this.byUser.delete(userId);
    };
  }

  /** What the triggers announce; also called directly by code that knows of a change first. */
  changed(userId: string): void {
    for (const listener of [...(this.byUser.get(userId) ?? [])]) listener();
  }
}
