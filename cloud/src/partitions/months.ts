import type { Db, Queryable } from '../db/db.js';

/** The tables partitioned by China month (migration 0055) and the time column each is partitioned by. */
export const PARTITIONED_TABLES = {
  gateway_events: 'time',
  incident_steps: 'at',
  patrol_positions: 'at',
  device_health: 'observed_at',
  gateway_health: 'observed_at',
  device_availability: 'started_at',
  device_readings: 'window_start',
} as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The first day (YYYY-MM-01) of the China month (UTC+8, no daylight saving) `at` falls in, `plus` months on. */
export function chinaMonth(at: Date, plus = 0): string {
  const china = new Date(at.getTime() + CHINA_OFFSET_MS);
  const month = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + plus, 1));
  return month.toISOString().slice(0, 10);
}

/** The partitions of `table` by suffix, in order: its months (YYYYMM) and `default`. */
export async function monthPartitions(q: Queryable, table: PartitionedTable): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
    [table],
  );
  return rows.map((row) => row.name.slice(table.length + 1));
}

/**
 * Makes the partitions of the China months from the one `now` falls in to `ahead` months on (rows
 * of those months waiting in DEFAULT move in); returns the months made (YYYY-MM-01).
 */
export async function ensureMonths(q: Queryable, table: PartitionedTable, now: Date, ahead: number): Promise<string[]> {
  const made: string[] = [];
  for (let plus = 0; plus <= ahead; plus++) {
    const month = chinaMonth(now, plus);
    const { rows } = await q.query<{ made: boolean }>('SELECT ensure_month_partition($1, $2::date) AS made', [
      table,
      month,
    ]);
    if (rows[0]?.made) made.push(month);
  }
  return made;
}

/**
 * Drops the month partitions of `table` whose every row is older than `cutoff`, and deletes the
 * rows older than it waiting in DEFAULT; returns how many partitions went.
 */
export async function dropMonthsBefore(q: Queryable, table: PartitionedTable, cutoff: Date): Promise<number> {
  const { rows } = await q.query<{ dropped: number }>('SELECT drop_month_partitions_before($1, $2) AS dropped', [
    table,
    cutoff,
  ]);
  return Number(rows[0]?.dropped ?? 0);
}

/** Runs `work` on `table` in a transaction, unless another replica holds that table's maintenance lock now. */
export async function withTableLock<T>(
  db: Db,
  lock: number,
  table: PartitionedTable,
  work: (tx: Queryable) => Promise<T>,
): Promise<T | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ taken: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS taken', [
      lock,
      table,
    ]);
    if (!rows[0]?.taken) return undefined;
    // Making or dropping a partition waits for an exclusive lock on the table. A transaction that
    // read the table and then writes it (a step's request looked up, then the step written) would
    // queue behind that wait and the two deadlock: the upkeep gives up first, well before
    // PostgreSQL's deadlock check (1 s), and tries again at its next run.
    await tx.query("SET LOCAL lock_timeout = '300ms'");
    return work(tx);
  });
}
