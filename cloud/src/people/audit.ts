import type { Db, Queryable } from '../db/db.js';

/**
 * Who did something: the administrators (the configured admin token), a signed-in user, or the
 * `gridlink-cloud` command run on the server (creating the first admin). Its audit form is
 * `admin`, `user:<id>` or `cli`.
 */
export type Actor = { kind: 'admin' } | { kind: 'user'; userId: string } | { kind: 'cli' };

export function actorName(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.userId}` : actor.kind;
}

export interface AuditEntry {
  actor: Actor;
  /** What was done, `<thing>.<verb>`: `user.create`, `role.assign`, `roster.duty_period.add`. */
  action: string;
  /** What it was done to: `user:<id>`, `disposal_unit:<id>`, `grid:<code>`. */
  target: string;
  /** Whatever else identifies the change; never secrets (no passwords, no tokens). */
  details?: Record<string, unknown>;
  at: Date;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** Appends to `audit_log`; pass the transaction of the change so both commit or neither does. */
export async function writeAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  await q.query('INSERT INTO audit_log (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)', [
    entry.at,
    actorName(entry.actor),
    entry.action,
    entry.target,
    JSON.stringify(entry.details ?? {}),
  ]);
}

/**
 * Replaces a one-row tenant setting in one transaction and audits the change with what it was
 * before (`read` inside the transaction), so the row and its audit record commit together.
 */
export async function replaceAudited<T>(
  db: Db,
  change: {
    actor: Actor;
    action: string;
    target: string;
    at: Date;
    after: T;
    read: (q: Queryable) => Promise<T>;
    write: (q: Queryable) => Promise<unknown>;
  },
): Promise<T> {
  const { actor, action, target, at, after, read, write } = change;
  await db.transaction(async (tx) => {
    const before = await read(tx);
    await write(tx);
    await writeAudit(tx, { actor, action, target, at, details: { before, after } });
  });
  return after;
}

/** The audit records of `target`, oldest first. */
export async function auditOf(q: Queryable, target: string): Promise<AuditRecord[]> {
  const { rows } = await q.query<AuditRecord>(
    'SELECT id, at, actor, action, target, details FROM audit_log WHERE target = $1 ORDER BY id',
    [target],
  );
  return rows;
}
