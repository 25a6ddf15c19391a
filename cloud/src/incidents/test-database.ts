import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../db/db.js';
import { migrate, readMigrations } from '../db/migrate.js';
import { IN_MEMORY, openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { type Backend, silentLogger } from '../test-support.js';

/**
 * Call at suite level: a migrated database for the suite's tests, on a throwaway PostgreSQL
 * database (a pool, so transactions really race) or on in-memory PGlite. Only 0001 and the
 * incident migration are applied: the incident schema needs nothing else.
 */
export function useIncidentDatabase(backend: Backend): () => Db {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    db = database
      ? openPostgres({ url: database.url, poolMax: 4, logger: silentLogger() })
      : await openPglite(IN_MEMORY);
    const migrations = await readMigrations();
    await migrate(
      db,
      migrations.filter((migration) => migration.version === 1 || migration.name === '0003_incidents.sql'),
    );
  }, 30_000);
  afterAll(async () => {
    await db?.close();
  });
  return () => {
    if (db === undefined) throw new Error('the incident database is only available inside tests and hooks');
    return db;
  };
}
