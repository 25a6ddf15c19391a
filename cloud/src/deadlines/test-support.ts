import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll } from 'vitest';
import { CategoryCatalogue } from '../categories/catalogue.js';
import type { Db } from '../db/db.js';
import { migrate, readMigrations } from '../db/migrate.js';
import { IN_MEMORY, openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { type Backend, silentLogger } from '../test-support.js';

const NEEDED = [
  '0001_gateway_intake.sql',
  '0003_incidents.sql',
  '0004_categories.sql',
  '0008_deadlines.sql',
  // The incident settings the engine reads for each transition (0014, after 0012).
  '0012_policy_thresholds.sql',
  '0014_incident_settings.sql',
  '0022_callback_policy.sql',
  '0023_self_check_categories.sql',
  '0024_deadline_changes.sql',
  // The cloud's step comments are stored as messages.
  '0026_messages.sql',
  // The district every incident's step and timer carries.
  '0056_district_keys.sql',
  // An incident's open timers found by the incident (each step cancels those no longer wanted).
  '0057_open_timers_by_incident.sql',
];

/**
 * Call at suite level: a migrated database with the seeded catalogue (only the migrations the time
 * limits need), and `second()`: another pool on the same PostgreSQL database, as a second replica
 * has (on PGlite, single-process, the same database).
 */
export function useDeadlineDatabase(backend: Backend): { db: () => Db; second: () => Db } {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  let db: Db | undefined;
  let second: Db | undefined;
  beforeAll(async () => {
    const open = () => openPostgres({ url: database?.url as string, poolMax: 4, logger: silentLogger() });
    db = database ? open() : await openPglite(IN_MEMORY);
    second = database ? open() : db;
    const migrations = await readMigrations();
    await migrate(
      db,
      migrations.filter((migration) => NEEDED.includes(migration.name)),
    );
    await new CategoryCatalogue(db).seed();
  }, 30_000);
  afterAll(async () => {
    if (second !== db) await second?.close();
    await db?.close();
  });
  const get = (which: () => Db | undefined) => () => {
    const found = which();
    if (found === undefined) throw new Error('the deadline database is only available inside tests and hooks');
    return found;
  };
  return { db: get(() => db), second: get(() => second) };
}
