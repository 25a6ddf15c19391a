import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RuleFile } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import type { EngineSnapshot } from './engine.js';
import { ruleDevice } from './rule-device.js';

/**
 * `PRAGMA user_version` of `rules.db`. 1: devices in the snapshot are trimmed to their rule view;
 * older gateways stored whole device records, password hashes included.
 */
const STATE_VERSION = 1;

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
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS engine_state (id INTEGER PRIMARY KEY CHECK (id = 1), saved_at INTEGER NOT NULL, snapshot TEXT NOT NULL, files TEXT NOT NULL) STRICT',
    );
    this.trimStoredDevices();
  }

  /** Rewrites a snapshot of an older gateway without what the rules do not need (credential hashes). */
  private trimStoredDevices(): void {
    const rewritten = this.db
      .transaction(() => {
        if ((this.db.pragma('user_version', { simple: true }) as number) >= STATE_VERSION) return false;
        const row = this.db.prepare('SELECT snapshot FROM engine_state WHERE id = 1').get() as
          | { snapshot: string }
          | undefined;
        if (row) {
          const snapshot = trimmed(JSON.parse(row.snapshot) as EngineSnapshot);
          this.db.prepare('UPDATE engine_state SET snapshot = ? WHERE id = 1').run(JSON.stringify(snapshot));
        }
        this.db.pragma(`user_version = ${STATE_VERSION}`);
        return row !== undefined;
      })
      .immediate();
    if (!rewritten) return;
    // The old text would linger in the WAL and in free pages until reused: overwrite both now.
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
