import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RuleFile } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { type MigrationSet, migrate } from '../storage/migrate.js';
import type { EngineSnapshot, Instance } from './engine.js';
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
    {
      version: 3,
      description: 'one row a rule instance, written when it changes (not the whole state every few seconds)',
      sql: 'CREATE TABLE rule_instances (key TEXT PRIMARY KEY, state TEXT NOT NULL) STRICT',
      run: (db) => {
        const row = db.prepare('SELECT snapshot FROM engine_state WHERE id = 1').get() as
          | { snapshot: string }
          | undefined;
        const insert = db.prepare('INSERT OR REPLACE INTO rule_instances (key, state) VALUES (?, ?)');
        for (const instance of row ? (JSON.parse(row.snapshot) as EngineSnapshot).instances : [])
          insert.run(instance.key, JSON.stringify(instance));
        db.exec('ALTER TABLE engine_state DROP COLUMN snapshot');
      },
    },
  ],
};

/** What one write of a save holds: the instances that changed (key and JSON), those gone, and when. */
export interface RuleStateChanges {
  rows: ReadonlyArray<readonly [key: string, state: string]>;
  removed: readonly string[];
  savedAt: number;
  /** The rule set that loaded, as JSON: written when it changed. */
  files?: string;
}

/**
 * Where rule state (windows, pending durations, absence timers, active alerts) is kept between
 * runs, with the last rule set that loaded (used when the files are broken at boot), in
 * `<data_dir>/rules.db` (SQLite WAL): a row a rule instance, so that a save writes only what
 * changed (`state-saver.ts`).
 */
export class RuleStateStore {
  private readonly db: Database.Database;
  private readonly statements: Record<'upsert' | 'remove' | 'header' | 'savedAt', Database.Statement>;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const { from } = migrate(this.db, path, STATE_MIGRATIONS);
    if (from < 2) this.scrub();
    this.statements = {
      upsert: this.db.prepare(
        'INSERT INTO rule_instances (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state',
      ),
      remove: this.db.prepare('DELETE FROM rule_instances WHERE key = ?'),
      header: this.db.prepare(
        'INSERT INTO engine_state (id, saved_at, files) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, files = excluded.files',
      ),
      savedAt: this.db.prepare('UPDATE engine_state SET saved_at = ? WHERE id = 1'),
    };
  }

  /** The text a migration replaced would linger in the WAL and in free pages until reused: overwrite both. */
  private scrub(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  load(): { savedAt: number; snapshot: EngineSnapshot; files: RuleFile[] } | undefined {
    const row = this.db.prepare('SELECT saved_at, files FROM engine_state WHERE id = 1').get() as
      | { saved_at: number; files: string }
      | undefined;
    if (!row) return undefined;
    const rows = this.db.prepare('SELECT state FROM rule_instances').all() as Array<{ state: string }>;
    return {
      savedAt: row.saved_at,
      snapshot: trimmed({ instances: rows.map((r) => JSON.parse(r.state) as Instance) }),
      files: JSON.parse(row.files) as RuleFile[],
    };
  }

  /** Writes one save's changes in one transaction. */
  write(changes: RuleStateChanges): void {
    this.db.transaction(() => {
      for (const [key, state] of changes.rows) this.statements.upsert.run(key, state);
      for (const key of changes.removed) this.statements.remove.run(key);
      if (changes.files !== undefined) this.statements.header.run(changes.savedAt, changes.files);
      else this.statements.savedAt.run(changes.savedAt);
    })();
  }

  close(): void {
    this.db.close();
  }
}

function trimmed(snapshot: EngineSnapshot): EngineSnapshot {
  return { instances: snapshot.instances.map((instance) => ({ ...instance, device: ruleDevice(instance.device) })) };
}
