import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { PatrolSettingsStore } from './settings.js';

export interface PruneResult {
  /** Positions recorded before this were deleted. */
  before: string;
  positions: number;
  batches: number;
  /** Check-ins whose coordinates were blanked (the check-in itself, time and checkpoint, stays). */
  checkins: number;
}

/**
 * Deletes what a patrol recorded of where a worker was once it is older than the tenant's
 * `retention_days`: positions, the batch receipts, the sessions' last positions and the
 * check-ins' coordinates. Check-ins themselves (which checkpoint, when) are work records and stay.
 * An ended patrol's packed track goes whole once its last fix is past the retention, so its first
 * fixes may outlive it by the length of one patrol (hours).
 */
export async function prunePatrolPositions(db: Db, now: Date): Promise<PruneResult> {
  const settings = await new PatrolSettingsStore(db, () => now).get();
  const before = new Date(now.getTime() - settings.retention_days * 86_400_000);
  return db.transaction(async (tx) => {
    // Packed tracks go whole once their last fix is past; rows (running patrols) fix by fix.
    const tracks = await tx.query<{ points: number }>('DELETE FROM patrol_tracks WHERE last_at < $1 RETURNING points', [
      before,
    ]);
    const rows = await tx.query('DELETE FROM patrol_positions WHERE at < $1', [before]);
    const positions = { rowCount: rows.rowCount + tracks.rows.reduce((n, t) => n + Number(t.points), 0) };
    const batches = await tx.query('DELETE FROM patrol_batches WHERE received_at < $1', [before]);
    await tx.query(
      `UPDATE patrol_sessions SET last_at = NULL, last_lon = NULL, last_lat = NULL, last_accuracy_m = NULL
        WHERE last_at < $1`,
      [before],
    );
    const checkins = await tx.query(
      'UPDATE patrol_checkins SET lon = NULL, lat = NULL WHERE at < $1 AND lon IS NOT NULL',
      [before],
    );
    return {
      before: before.toISOString(),
      positions: positions.rowCount,
      batches: batches.rowCount,
      checkins: checkins.rowCount,
    };
  });
}

/** Runs {@link prunePatrolPositions} every `everyMs` on the given clock; `runOnce` for tests and the first run. */
export class PatrolRetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneResult | undefined> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly everyMs = 3_600_000,
  ) {}

  async runOnce(): Promise<PruneResult | undefined> {
    this.running ??= prunePatrolPositions(this.db, this.clock())
      .then((result) => {
        if (result.positions > 0) this.logger.info(result, 'patrol positions past retention deleted');
        return result;
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'patrol retention failed; retried at the next run');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
