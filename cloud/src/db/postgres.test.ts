import { createTestDatabase } from '@gridlink/testkit';
import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openPostgres } from './postgres.js';

describe('a PostgreSQL connection lost while a transaction holds it', () => {
  it('fails that transaction and does not crash the process (a restart or a dropped database mid-transaction)', async () => {
    const database = await createTestDatabase();
    onTestFinished(database.drop);
    const db = openPostgres({ url: database.url, logger: pino({ level: 'silent' }) });
    onTestFinished(() => db.close());
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    onTestFinished(() => admin.end());

    // The transaction's connection is ended by the server between two of its statements: the
    // connection's own 'error' event comes with no query waiting for it. Unheard, it would be an
    // uncaught exception (this test's run reports it as an error).
    let ended!: () => void;
    const between = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const failed = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await between;
      await tx.query('SELECT 1');
    });
    // Wait until the server has closed it: the pool's count of connections drops once it is gone.
    for (;;) {
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gridlink-cloud'",
      );
      if (Number(rows[0]?.n) === 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    ended();
    await expect(failed).rejects.toThrow();
    // The pool goes on with a new connection.
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
