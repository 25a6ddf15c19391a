import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RuleFile } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import type { EngineSnapshot } from './engine.js';

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
  }

  load(): { savedAt: number; snapshot: EngineSnapshot; files: RuleFile[] } | undefined {
    const row = this.db.prepare('SELECT saved_at, snapshot, files FROM engine_state WHERE id = 1').get() as
      | { saved_at: number; snapshot: string; files: string }
      | undefined;
    if (!row) return undefined;
    return {
      savedAt: row.saved_at,
      snapshot: JSON.parse(row.snapshot) as EngineSnapshot,
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
