import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { RuleStateStore } from './state-store.js';

const HASH = '$scrypt$n=16384,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

/** `rules.db` as an older gateway left it: whole device records, credential hash included. */
function oldRulesDb(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE engine_state (id INTEGER PRIMARY KEY CHECK (id = 1), saved_at INTEGER NOT NULL, snapshot TEXT NOT NULL, files TEXT NOT NULL) STRICT',
  );
  const instance = {
    key: 'elderly.no_water|wm-1',
    ruleId: 'elderly.no_water',
    device: { id: 'wm-1', kind: 'water_meter', status: 'active', passwordHash: HASH, tags: ['elderly_alone'] },
    condition: { type: 'absence', lastSeen: 0 },
    alert: null,
    values: {},
  };
  db.prepare('INSERT INTO engine_state VALUES (1, 0, ?, ?)').run(JSON.stringify({ instances: [instance] }), '[]');
  db.close();
}

describe('rule state store', () => {
  it('drops the credential hashes an older gateway saved in rules.db, from the row and from the file', () => {
    const path = join(testDataDir(), 'rules.db');
    oldRulesDb(path);
    expect(readFileSync(path).toString('latin1')).toContain(HASH);

    const store = new RuleStateStore(path);
    const loaded = store.load();
    expect(loaded?.snapshot.instances.map((instance) => instance.device)).toEqual([
      { id: 'wm-1', kind: 'water_meter', tags: ['elderly_alone'] },
    ]);
    store.close();
    for (const file of [path, `${path}-wal`]) {
      const bytes = existsSync(file) ? readFileSync(file).toString('latin1') : '';
      expect(bytes).not.toContain(HASH);
      expect(bytes).not.toContain('passwordHash');
    }
    // The whole state in one row became a row an instance (written only when it changes).
    const file = new Database(path, { readonly: true });
    expect(file.prepare('SELECT key FROM rule_instances').all()).toEqual([{ key: 'elderly.no_water|wm-1' }]);
    expect(file.prepare('SELECT name FROM pragma_table_info(?)').all('engine_state')).toEqual([
      { name: 'id' },
      { name: 'saved_at' },
      { name: 'files' },
    ]);
    file.close();
    // Opened again, it is not rewritten (the version is recorded) and still holds what it held.
    const again = new RuleStateStore(path);
    expect(again.load()?.snapshot.instances).toHaveLength(1);
    again.close();
  });
});
