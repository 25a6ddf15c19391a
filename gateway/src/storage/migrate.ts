import type Database from 'better-sqlite3';

/**
 * One step of an SQLite file's schema. Forward only: a migration is never edited once released,
 * only followed by a new one.
 */
export interface Migration {
  version: number;
  description: string;
  /** Schema changes. */
  sql?: string;
  /** Row changes SQL cannot express with a clear error; runs after `sql`, in the same transaction. */
  run?: (db: Database.Database, file: string) => void;
}

export interface MigrationSet {
  /** What the file is, for messages ("device registry", "outbox"). */
  name: string;
  migrations: readonly Migration[];
}

export function latestVersion(set: MigrationSet): number {
  return set.migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/**
 * Brings `db` to the set's latest version, one IMMEDIATE transaction per migration, and returns the
 * version found and the version reached. The gateway's SQLite files all migrate this way: `schema_version` records each applied
 * version, and a file newer than this code is refused rather than guessed at (a downgraded gateway
 * must not write into a schema it does not know).
 */
export function migrate(
  db: Database.Database,
  file: string,
  set: MigrationSet,
  now: () => Date = () => new Date(),
): { from: number; to: number } {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
  const latest = latestVersion(set);
  const current = () =>
    (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  const found = current();
  if (found > latest) {
    throw new Error(
      `${file} has ${set.name} schema version ${found}, newer than this gateway understands (${latest}): upgrade the gateway`,
    );
  }
  for (const migration of set.migrations) {
    const apply = db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (current() >= migration.version) return;
      if (migration.sql) db.exec(migration.sql);
      migration.run?.(db, file);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        now().toISOString(),
      );
    });
    if (current() < migration.version) apply.immediate();
  }
  return { from: found, to: current() };
}
