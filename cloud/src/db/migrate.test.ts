import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, testDataDir } from '../test-support.js';
import type { Db } from './db.js';
import { migrate, readMigrations } from './migrate.js';
import { openDatabase } from './open.js';
import { IN_MEMORY, openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

// The gateway intake's tables; later migrations add their own.
const TABLES = ['downlink', 'gateway_events', 'gateway_tokens', 'gateways', 'schema_migrations'];

async function tables(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

describe('migrations', () => {
  it('are the numbered .sql files of cloud/migrations, in order', async () => {
    const migrations = await readMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: '0001_gateway_intake.sql' });
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort((a, b) => a - b));
  });

  it('refuse a file that is not named NNNN_words.sql', async () => {
    const dir = await mkdtemp(join(testDataDir(), 'migrations-'));
    await writeFile(join(dir, 'add-table.sql'), 'SELECT 1');
    await expect(readMigrations(dir)).rejects.toThrow('migration add-table.sql: name it NNNN_words.sql');
  });

  describe('on PostgreSQL', () => {
    const database = useTestDatabase();
    const pools: Db[] = [];
    const pool = () => {
      const db = openPostgres({ url: database.url, poolMax: 2, logger: silentLogger() });
      pools.push(db);
      return db;
    };
    afterAll(async () => {
      await Promise.all(pools.map((db) => db.close()));
    });

    it('apply once even when two processes start together (advisory lock), then find nothing to do', async () => {
      const results = await Promise.all([migrate(pool()), migrate(pool()), migrate(pool())]);
      const applied = results.flatMap((result) => result.applied);
      const all = await readMigrations();
      expect(applied).toEqual(all.map((migration) => migration.name));
      expect(await tables(pool())).toEqual(expect.arrayContaining(TABLES));
      expect(await migrate(pool())).toEqual({ applied: [] });
      const { rows } = await pool().query('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(rows).toEqual(all.map(({ version, name }) => ({ version, name })));
    });

    it('refuse a migration that was edited after it was applied', async () => {
      const [first] = await readMigrations();
      if (!first) throw new Error('no migrations');
      const edited = { ...first, sql: `${first.sql}\n-- edited`, sha256: 'f'.repeat(64) };
      await expect(migrate(pool(), [edited])).rejects.toThrow(
        'migration 0001_gateway_intake.sql was changed after it was applied; add a new migration instead',
      );
    });
  });

  describe('on PGlite', () => {
    let db: Db;
    beforeAll(async () => {
      db = await openPglite(IN_MEMORY);
    });
    afterAll(async () => {
      await db.close();
    });

    it('apply the same files, and running them twice changes nothing', async () => {
      expect(await migrate(db)).toEqual({ applied: (await readMigrations()).map((migration) => migration.name) });
      expect(await migrate(db)).toEqual({ applied: [] });
      expect(await tables(db)).toEqual(expect.arrayContaining(TABLES));
    });
  });
});

describe('the embedded database directory', () => {
  it('keeps its data across restarts, and one process at a time may open it', async () => {
    const config = { cloud: { data_dir: testDataDir() }, database: { pool_max: 1 } };
    const first = await openDatabase(config, silentLogger());
    await migrate(first);
    await first.query("INSERT INTO gateways (id, created_at) VALUES ('gw-kept', now())");
    await expect(openDatabase(config, silentLogger())).rejects.toThrow(/is in use by process \d+ \(this one\)/);
    await first.close();

    const second = await openDatabase(config, silentLogger());
    try {
      expect(await migrate(second)).toEqual({ applied: [] });
      expect((await second.query('SELECT id FROM gateways')).rows).toEqual([{ id: 'gw-kept' }]);
    } finally {
      await second.close();
    }
  });
});
