import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.js';

/** `memory://` keeps the database in memory: for tests and throwaway runs. */
export const IN_MEMORY = 'memory://';

interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(target: PgliteLike): Queryable {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await target.query<T>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) behind the {@link Db} interface: one connection, so
 * statements run one at a time and a transaction holds the database until it ends.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  const pglite = await PGlite.create({
    ...(dataDir === IN_MEMORY ? {} : { dataDir }),
    // Same row values as the pg backend: int8 as a number (PGlite's default, stated to be sure).
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  const base = wrap(pglite);
  return {
    backend: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pglite.transaction((tx) => fn(wrap(tx))),
    // One process, one connection: notifications arrive in the process once their transaction commits.
    listen: async (channel, handlers) => {
      const unlisten = await pglite.listen(channel, (payload) => handlers.message(payload));
      return async () => {
        // Closing the database ends its listeners too.
        if (!pglite.closed) await unlisten();
      };
    },
    close: () => pglite.close(),
  };
}
