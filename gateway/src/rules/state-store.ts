import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RuleFile } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { type MigrationSet, migrate } from '../storage/migrate.js';
import type { EngineSnapshot } from './engine.js';
import { ruleDevice } from './rule-device.js';

/**
 * The schema of `rules.db`. Version 2 trims the devices in a stored snapshot to their rule view: older
 * gateways stored whole device records, password hashes included (those that already trimmed them
 * marked it with `PRAGMA user_version = 1`).
 */
export const STATE_MIGRATIONS: MigrationSet = {
  name: 'rule state',
  migrations: [
    {
      version: 1,
      description: 'the engine state and the last rule set that loaded',
      sql: 'CREATE TABLE IF NOT EXISTS engine_state (id INTEGER PRIMARY KEY CHECK (id = 1), saved_at INTEGER NOT NULL, snapshot TEXT NOT NULL, files TEXT NOT NULL) STRICT',
    },
    {
      version: 2,
      description: 'devices in the stored snapshot trimmed to their rule view (no credential hashes)',
      run: (db) => {
        if ((db.pragma('user_version', { simple: true }) as number) >= 1) return;
        const row = db.prepare('SELECT snapshot FROM engine_state WHERE id = 1').get() as
          | { snapshot: string }
          | undefined;
        if (!row) return;
        const snapshot = trimmed(JSON.parse(row.snapshot) as EngineSnapshot);
        db.prepare('UPDATE engine_state SET snapshot = ? WHERE id = 1').run(JSON.stringify(snapshot));
      },
    },
  ],
};

/**
 * Where rule state (windows, pending durations, absence timers, active alerts) is kept between
 * runs, with the last rule set that loaded (used when the files are broken at boot): one row in
 * `<data_dir>/rules.db`, written atomically (SQLite WAL).
 */
export class RuleStateStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const { from } = migrate(this.db, path, STATE_MIGRATIONS);
    if (from < 2) this.scrub();
  }

  /** The text a migration replaced would linger in the WAL and in free pages until reused: overwrite both. */
  private scrub(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  load(): { savedAt: number; snapshot: EngineSnapshot; files: RuleFile[] } | undefined {
    const row = this.db.prepare('SELECT saved_at, snapshot, files FROM engine_state WHERE id = 1').get() as
      | { saved_at: number; snapshot: string; files: string }
      | undefined;
    if (!row) return undefined;
    return {
      savedAt: row.saved_at,
      snapshot: trimmed(JSON.parse(row.snapshot) as EngineSnapshot),
      files: JSON.parse(row.files) as RuleFile[],
    };
  }

  save(snapshot: EngineSnapshot, files: readonly RuleFile[], at: number): void {
    this.db
      .prepare(
        'INSERT INTO engine_state (id, saved_at, snapshot, files) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, snapshot = excluded.snapshot, files = excluded.files',
      )
      .run(at, JSON.stringify(snapshot), JSON.stringify(files));
  }

  close(): void {
    this.db.close();
  }
}

function trimmed(snapshot: EngineSnapshot): EngineSnapshot {
  return { instances: snapshot.instances.map((instance) => ({ ...instance, device: ruleDevice(instance.device) })) };
}
