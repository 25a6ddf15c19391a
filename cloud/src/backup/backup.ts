import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { readMigrations } from '../db/migrate.js';
import {
  BackupRefused,
  databaseSchemaVersion,
  dumpDatabase,
  dumpSchemaVersion,
  emptyPublicSchema,
  type PgTarget,
  publicTables,
  restoreDatabase,
} from './pg-dump.js';

export { BackupRefused, type PgTarget } from './pg-dump.js';

/** Writes a dump of the cloud's database to `file`; returns the schema version it holds. */
export async function backupCloud(target: PgTarget, file: string): Promise<{ schemaVersion: number }> {
  if (existsSync(file)) throw new BackupRefused(`${file} exists already: give a new file name for each backup`);
  // Written beside and renamed when complete: a file under the final name is a whole dump.
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  try {
    await dumpDatabase(target, partial);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { schemaVersion: await dumpSchemaVersion(file) };
}

/** The newest migration of this code: a dump of a newer schema would be run by code that does not know it. */
async function codeSchemaVersion(): Promise<number> {
  return (await readMigrations()).reduce((max, migration) => Math.max(max, migration.version), 0);
}

/**
 * Restores a dump into the configured database. Refused into a database that has tables unless
 * `replace` (everything in its public schema is then dropped first), and refused when the dump's schema is newer than
 * this code's migrations. A dump of an older schema is restored as it is: the cloud migrates it
 * when it starts, as it would have migrated the database itself.
 */
export async function restoreCloud(
  target: PgTarget,
  file: string,
  options: { replace: boolean },
): Promise<{ schemaVersion: number; codeVersion: number }> {
  if (!existsSync(file)) throw new BackupRefused(`${file} does not exist: give the file gridlink-cloud backup wrote`);
  const schemaVersion = await dumpSchemaVersion(file);
  const codeVersion = await codeSchemaVersion();
  if (schemaVersion === 0) {
    throw new BackupRefused(`${file} holds no Gridlink schema (no schema_migrations rows): it is not a cloud backup`);
  }
  if (schemaVersion > codeVersion) {
    throw new BackupRefused(
      `${file} holds schema version ${schemaVersion}, newer than this cloud's migrations (${codeVersion}): restore it with the cloud release that wrote it, or a newer one`,
    );
  }
  const tables = await publicTables(target);
  if (tables > 0 && !options.replace) {
    const current = await databaseSchemaVersion(target);
    throw new BackupRefused(
      `the database is not empty (${tables} tables, schema version ${current}): restore into a new empty database, or add --replace to drop its tables first`,
    );
  }
  if (tables > 0) await emptyPublicSchema(target);
  await restoreDatabase(target, file);
  return { schemaVersion, codeVersion };
}
