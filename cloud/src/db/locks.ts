import type { Queryable } from './db.js';

/**
 * Every advisory lock the cloud takes, by namespace (the first key of PostgreSQL's two-key form;
 * the second is `hashtext` of what is locked). One list, so no two features pick the same number.
 */
export const LOCKS = {
  /** The migration run (one-key form): one process migrates, the others wait and find nothing to do. */
  migration: 7_253_101,
  /** One gateway alert id: its raises, updates and clear are taken one at a time. */
  alert: 7_253_301,
  /** One place and category (dedup key): two alerts there cannot both open an incident. */
  place: 7_253_302,
  /** One report intake request id: a retried request makes nothing twice. */
  intake: 7_253_303,
  /** One repeat-threshold scope: counting repeats and opening the incident happen together. */
  repeat: 7_253_304,
  /** One community's device inventory: full syncs and their reconciliation, one at a time. */
  inventory: 7_253_305,
  /** One maintenance ticket key (device or gateway × fault): its opening, update and closure, one at a time. */
  maintenance: 7_253_306,
  /** One partitioned table's monthly upkeep (cloud/src/partitions): one replica at a time does it. */
  partitions: 7_253_307,
} as const;

export type LockNamespace = Exclude<keyof typeof LOCKS, 'migration'>;

/** A transaction-level lock on one key of a namespace. */
export async function lockKey(tx: Queryable, namespace: LockNamespace, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS[namespace], key]);
}

/**
 * Transaction-level locks, taken in one statement in (namespace, hash) order: every transaction
 * that takes several takes them in the same order, so none waits on another in a circle.
 */
export async function lockAll(tx: Queryable, locks: ReadonlyArray<readonly [LockNamespace, string]>): Promise<void> {
  await tx.query(
    `SELECT count(*) AS n FROM (
       SELECT pg_advisory_xact_lock(ns, h) FROM (
         SELECT DISTINCT ns, hashtext(key) AS h FROM unnest($1::integer[], $2::text[]) AS v(ns, key) ORDER BY ns, h
       ) AS sorted
     ) AS taken`,
    [locks.map(([namespace]) => LOCKS[namespace]), locks.map(([, key]) => key)],
  );
}

const RETRIED = new Set(['40P01', '40001']);

/**
 * Runs `work` (a whole transaction) again when PostgreSQL chose it as the victim of a deadlock or a
 * serialization failure: a batch holds several incident rows, and a merge transition taking two
 * rows in its own order can meet it. Nothing of the aborted attempt was committed.
 */
export async function retryDeadlocks<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !RETRIED.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}
