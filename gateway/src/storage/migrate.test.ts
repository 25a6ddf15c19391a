import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { Outbox } from '../uplink/outbox.js';
import { type MigrationSet, migrate } from './migrate.js';

const versions = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map(
      (row) => row.version,
    );
  } finally {
    db.close();
  }
};

describe("the gateway's SQLite files", () => {
  it('migrate forward once, in order, each step recorded', () => {
    const file = join(testDataDir(), 'notes.db');
    const set: MigrationSet = {
      name: 'notes',
      migrations: [
        { version: 1, description: 'notes', sql: 'CREATE TABLE notes (text TEXT NOT NULL) STRICT' },
        { version: 2, description: 'a note', run: (db) => db.prepare("INSERT INTO notes VALUES ('hello')").run() },
      ],
    };
    const db = new Database(file);
    expect(migrate(db, file, set)).toEqual({ from: 0, to: 2 });
    expect(migrate(db, file, set)).toEqual({ from: 2, to: 2 }); // reopening applies nothing twice
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 1 });
    db.close();
    expect(versions(file)).toEqual([1, 2]);
  });

  it('refuse a file written by a newer gateway, naming the file and both versions, and change nothing', () => {
    const file = join(testDataDir(), 'notes.db');
    const newer: MigrationSet = {
      name: 'notes',
      migrations: [
        { version: 1, description: 'notes', sql: 'CREATE TABLE notes (text TEXT) STRICT' },
        { version: 2, description: 'tags', sql: 'CREATE TABLE tags (tag TEXT) STRICT' },
      ],
    };
    const db = new Database(file);
    migrate(db, file, newer);
    expect(() => migrate(db, file, { name: 'notes', migrations: newer.migrations.slice(0, 1) })).toThrow(
      `${file} has notes schema version 2, newer than this gateway understands (1): upgrade the gateway`,
    );
    db.close();
    expect(versions(file)).toEqual([1, 2]);
  });

  it('adopt an outbox created before versions were recorded, keeping what it holds', () => {
    const file = join(testDataDir(), 'outbox.db');
    const first = new Outbox(file);
    first.close();
    // What gateways before recorded versions left: the first version's tables, no schema_version.
    const legacy = new Database(file);
    legacy.exec('DROP TABLE schema_version');
    legacy.exec('DROP INDEX outbox_coalesce; ALTER TABLE outbox DROP COLUMN coalesce_key; DROP TABLE attachments');
    legacy
      .prepare(
        "INSERT INTO outbox (id, source, lane, priority, body, enqueued_at) VALUES ('e1', 'gw', 'alarm', 0, '{}', 1)",
      )
      .run();
    legacy.close();

    const reopened = new Outbox(file);
    expect(reopened.depth().alarm).toBe(1);
    reopened.close();
    // Adopted as the first version, then migrated on like any other.
    expect(versions(file)).toEqual([1, 2, 3]);
  });
});
