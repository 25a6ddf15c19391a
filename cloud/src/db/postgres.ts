import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, ListenHandlers, Queryable, QueryResult } from './db.js';

const INT8_OID = 20;

// bigserial and count(*) come back as numbers, as PGlite returns them; cloud sequences stay far below 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  url: string;
  /** Overrides the password of `url` (kept out of the URL so the URL can be logged and shown). */
  password?: string | undefined;
  /** Most connections this process opens. */
  poolMax?: number;
  logger: Logger;
}

// Each distinct statement is prepared once per connection and then only executed: PostgreSQL
// skips parsing and planning it again, which is most of its work for the cloud's short queries.
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `gl_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

function wrap(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await client.query<T & pg.QueryResultRow>({
        name: statementName(sql),
        text: sql,
        values: params as unknown[],
      });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      // Without parameters pg uses the simple protocol, which runs several statements.
      await client.query(sql);
    },
  };
}

/** Waits before listening again: quickly at first, then every 5 s while the database is away. */
const RELISTEN_MS = [100, 500, 1000, 2000, 5000];

/**
 * One connection of its own, outside the pool (a pooled one would be handed to queries), that
 * LISTENs on `channel` and is opened again whenever it is lost.
 */
async function listenOn(
  options: PostgresOptions,
  channel: string,
  handlers: ListenHandlers,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: options.url,
      ...(options.password === undefined ? {} : { password: options.password }),
      types,
      application_name: 'gridlink-cloud-listen',
    });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) handlers.message(message.payload);
    });
    next.on('error', (err) => {
      options.logger.warn({ err, channel }, 'the listening database connection failed');
      lost(next);
    });
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      await next.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    failures = 0;
  };
  const again = () => {
    const delay = RELISTEN_MS[Math.min(failures, RELISTEN_MS.length - 1)];
    failures++;
    timer = setTimeout(async () => {
      if (stopped) return;
      try {
        await connect();
        if (!stopped) handlers.reconnected?.();
      } catch (err) {
        options.logger.warn({ err, channel }, 'listening on the database again failed; retrying');
        again();
      }
    }, delay);
  };
  const lost = (which: pg.Client) => {
    if (client !== which || stopped) return;
    client = undefined;
    which.end().catch(() => {});
    again();
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const last = client;
    client = undefined;
    await last?.end().catch(() => {});
  };
}

/** A PostgreSQL pool behind the {@link Db} interface. */
export function openPostgres(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.url,
    ...(options.password === undefined ? {} : { password: options.password }),
    max: options.poolMax ?? 10,
    types,
    application_name: 'gridlink-cloud',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) => options.logger.warn({ err }, 'idle database connection failed'));

  const base = wrap(pool);
  const listeners = new Set<() => Promise<void>>();
  return {
    backend: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      // A connection the server ends while it is held here (a restart, a dropped database) also
      // emits 'error' on the client, which the pool hears only while the client is idle: unheard,
      // it would be an uncaught exception that takes the process down. The statement waiting on
      // it, or the next one, fails; the connection does not go back to the pool.
      const lost = (err: Error) => {
        broken = true;
        options.logger.warn({ err }, 'a database connection was lost during a transaction');
      };
      client.on('error', lost);
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection itself failed: it must not go back to the pool.
          broken = true;
        }
        throw err;
      } finally {
        client.removeListener('error', lost);
        client.release(broken);
      }
    },
    async listen(channel, handlers) {
      const stop = await listenOn(options, channel, handlers);
      const unlisten = async () => {
        listeners.delete(unlisten);
        await stop();
      };
      listeners.add(unlisten);
      return unlisten;
    },
    async close() {
      await Promise.all([...listeners].map((unlisten) => unlisten()));
      await pool.end();
    },
  };
}
