import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';
import { LOCKS } from './locks.js';

/** `cloud/migrations/`, from both `src/db` and `dist/db`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

/** `0001_gateway_intake.sql` → version 1. Files that do not look like that are refused, not skipped. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(file);
    if (!match) throw new Error(`migration ${file}: name it NNNN_words.sql (e.g. 0002_incidents.sql)`);
    const version = Number(match[1]);
    const previous = migrations[migrations.length - 1];
    if (previous?.version === version)
      throw new Error(`migrations ${previous.name} and ${file} share version ${version}`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    migrations.push({ version, name: file, sql, sha256: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

export interface MigrateResult {
  /** File names applied by this call, in order (empty when the schema was already current). */
  applied: string[];
}

/**
 * Applies the migrations not applied yet, in order, in one transaction that holds an advisory
 * lock: replicas starting together wait for each other and the second finds nothing left to do.
 * A migration that was edited after it was applied is refused: the database would not match the files.
 */
export async function migrate(db: Db, migrations?: readonly Migration[]): Promise<MigrateResult> {
  const all = migrations ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migration]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      sha256 text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; name: string; sha256: string }>(
      'SELECT version, name, sha256 FROM schema_migrations ORDER BY version',
    );
    const done = new Map(rows.map((row) => [row.version, row]));
    for (const row of rows) {
      const file = all.find((migration) => migration.version === row.version);
      if (file && file.sha256 !== row.sha256) {
        throw new Error(`migration ${file.name} was changed after it was applied; add a new migration instead`);
      }
    }
    const applied: string[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.sha256,
      ]);
      applied.push(migration.name);
    }
    return { applied };
  });
}
