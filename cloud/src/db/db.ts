/**
 * The one way cloud code talks to its database. Two backends implement it with the same SQL:
 * PostgreSQL through a `pg` pool (production, several replicas) and embedded PGlite (a single
 * process with a data directory, or in memory for tests). Row values come back the same from
 * both: `bigint`/`bigserial` as numbers, `timestamptz` as `Date`, `jsonb` parsed.
 */
export interface Queryable {
  /** One statement with `$1…` parameters. */
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted (0 for a SELECT on PGlite; counted rows on pg). */
  rowCount: number;
}

export interface Db extends Queryable {
  readonly backend: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Hears `pg_notify(channel, …)` of committed transactions, from every process on the database.
   * A lost listening connection is opened again; `reconnected` is then called, since what was
   * notified meanwhile is lost. Resolves, once listening, to the function that stops it.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  message(payload: string): void;
  /** Listening again after the connection was lost (PostgreSQL only; PGlite runs in the process). */
  reconnected?(): void;
}
