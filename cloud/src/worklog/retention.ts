import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { WorklogSettingsStore } from './settings.js';

/** Photos uploaded but never named by an entry are dropped after this long. */
export const UNATTACHED_PHOTO_MS = 24 * 3600_000;

export interface PruneResult {
  entries: number;
  photos: number;
}

/**
 * Deletes entries whose visit is older than the tenant's retention (their versions and photos go
 * with them) and photos no entry took within a day. Run by {@link WorklogRetention}; callable alone.
 */
export async function pruneWorklog(db: Db, clock: Clock): Promise<PruneResult> {
  const now = clock();
  const { retention_days } = await new WorklogSettingsStore(db, clock).get();
  const cutoff = new Date(now.getTime() - retention_days * 86_400_000);
  const entries = await db.query<{ id: string }>('DELETE FROM worklog_entries WHERE visited_at < $1 RETURNING id', [
    cutoff,
  ]);
  const photos = await db.query<{ id: string }>(
    'DELETE FROM worklog_photos WHERE entry_id IS NULL AND uploaded_at < $1 RETURNING id',
    [new Date(now.getTime() - UNATTACHED_PHOTO_MS)],
  );
  return { entries: entries.rows.length, photos: photos.rows.length };
}

/** The retention job: prunes the work log every `intervalMs` (hourly by default) on its clock. */
export class WorklogRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 3600_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running = this.run();
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; failures are logged and the next pass tries again. */
  async run(): Promise<PruneResult | undefined> {
    try {
      const result = await pruneWorklog(this.db, this.clock);
      if (result.entries + result.photos > 0) this.logger.info(result, 'work log pruned');
      return result;
    } catch (err) {
      this.logger.warn({ err }, 'work log pruning failed; the next pass tries again');
      return undefined;
    }
  }
}
