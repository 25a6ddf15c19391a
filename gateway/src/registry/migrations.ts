import { DEVICE_TAG_PATTERN } from '@gridlink/protocol';
import type Database from 'better-sqlite3';
import type { Migration, MigrationSet } from '../storage/migrate.js';

/** The registry's schema (see storage/migrate.ts: forward only, versions in `schema_version`). */
/** `PRAGMA application_id` of a registry ("GLRG"), so a wrong file is refused, not migrated. */
export const REGISTRY_APPLICATION_ID = 0x474c5247;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'devices and service accounts',
    sql: `
      CREATE TABLE devices (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        password_hash TEXT NOT NULL,
        community     TEXT,
        grid          TEXT,
        building      TEXT,
        unit          TEXT,
        floor         INTEGER,
        room          TEXT,
        notes         TEXT,
        created_at    TEXT NOT NULL,
        retired_at    TEXT,
        retired_reason TEXT,
        replaced_by   TEXT REFERENCES devices (id),
        CHECK ((status = 'retired') = (retired_at IS NOT NULL))
      ) STRICT;
      CREATE INDEX devices_by_status ON devices (status, kind);
      CREATE INDEX devices_by_community ON devices (community);

      -- An id, once issued, names one device forever: rows are retired, never deleted or revived.
      CREATE TRIGGER devices_never_deleted BEFORE DELETE ON devices
      BEGIN
        SELECT RAISE(ABORT, 'devices are retired, never deleted: their ids must never be reused');
      END;
      CREATE TRIGGER devices_stay_retired BEFORE UPDATE OF status ON devices
        WHEN OLD.status = 'retired' AND NEW.status <> 'retired'
      BEGIN
        SELECT RAISE(ABORT, 'a retired device stays retired');
      END;

      CREATE TABLE service_accounts (
        username      TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('observer', 'installer')),
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'installer tags on devices',
    // A JSON array of distinct, sorted tags (the code validates each); existing devices get none.
    sql: `
      ALTER TABLE devices ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(tags) AND json_type(tags) = 'array');
      -- A retired device's row is its history: what it was tagged when it left stays as it was.
      CREATE TRIGGER devices_retired_tags_fixed BEFORE UPDATE OF tags ON devices
        WHEN OLD.status = 'retired'
      BEGIN
        SELECT RAISE(ABORT, 'a retired device keeps the tags it had');
      END;
    `,
  },
  {
    version: 3,
    description: 'one tag format, the one rule selectors name',
    run: convertTagsToSelectorFormat,
  },
  {
    version: 4,
    description: "the installer console's audit log",
    // Who did what, when: append only, like the devices' own history.
    sql: `
      CREATE TABLE console_audit (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        username TEXT NOT NULL,
        role     TEXT NOT NULL,
        address  TEXT NOT NULL,
        action   TEXT NOT NULL,
        target   TEXT,
        detail   TEXT
      ) STRICT;
      CREATE TRIGGER console_audit_append_only BEFORE UPDATE ON console_audit
      BEGIN
        SELECT RAISE(ABORT, 'the audit log is append only');
      END;
    `,
  },
  {
    version: 5,
    description: 'commissioning: when each device was first heard, and the checks run',
    // First heard survives restarts: "every device seen at least once" is a fact of the site, not
    // of this run of the gateway. A commissioning record is what was signed off: never changed.
    sql: `
      CREATE TABLE device_first_seen (
        device_id     TEXT PRIMARY KEY,
        first_seen_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE commissioning_records (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        username TEXT NOT NULL,
        passed   INTEGER NOT NULL CHECK (passed IN (0, 1)),
        report   TEXT NOT NULL CHECK (json_valid(report))
      ) STRICT;
      CREATE TRIGGER commissioning_records_fixed BEFORE UPDATE ON commissioning_records
      BEGIN
        SELECT RAISE(ABORT, 'a commissioning record is kept as it was signed off');
      END;
    `,
  },
  {
    version: 6,
    description: 'integrator service accounts and their grants',
    // SQLite cannot widen a CHECK: the accounts table is rebuilt with the new role, rows copied as
    // they are. A grant names one device (command or ingest) or one device kind (command); the
    // code checks that the device or kind exists when it is granted.
    sql: `
      CREATE TABLE service_accounts_v6 (
        username      TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('observer', 'installer', 'integrator')),
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;
      INSERT INTO service_accounts_v6 (username, role, password_hash, created_at)
        SELECT username, role, password_hash, created_at FROM service_accounts;
      DROP TABLE service_accounts;
      ALTER TABLE service_accounts_v6 RENAME TO service_accounts;

      CREATE TABLE service_grants (
        username   TEXT NOT NULL REFERENCES service_accounts (username),
        grant_type TEXT NOT NULL CHECK (grant_type IN ('command_device', 'command_kind', 'ingest_device')),
        target     TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (username, grant_type, target)
      ) STRICT;
    `,
  },
];

/**
 * Tags were once 1-32 of a-z, 0-9, "_" and "-"; rule selectors only ever named
 * `^[a-z][a-z0-9_]{0,31}$`, so a tag like `pump-room` could be stored but never selected. An
 * active device's `-` becomes `_` (`pump-room` → `pump_room`, the spelling rules use). A tag that
 * still does not fit (it starts with a digit or `_`) cannot be converted without guessing: the
 * migration is refused, naming each device and tag, and nothing changes. A retired device keeps the
 * tags it had (its row is history; it is never selected again).
 */
function convertTagsToSelectorFormat(db: Database.Database, file: string): void {
  const rows = db.prepare("SELECT id, tags FROM devices WHERE status = 'active'").all() as Array<{
    id: string;
    tags: string;
  }>;
  const update = db.prepare('UPDATE devices SET tags = ? WHERE id = ?');
  const refused: string[] = [];
  for (const row of rows) {
    const tags = JSON.parse(row.tags) as string[];
    const converted = [...new Set(tags.map((tag) => tag.replaceAll('-', '_')))].sort();
    const unfit = converted.filter((tag) => !DEVICE_TAG_PATTERN.test(tag));
    if (unfit.length > 0) refused.push(`device ${row.id}: ${unfit.join(', ')}`);
    else if (JSON.stringify(converted) !== row.tags) update.run(JSON.stringify(converted), row.id);
  }
  if (refused.length > 0) {
    throw new Error(
      `${file}: tags must now start with a letter (a-z, then a-z, 0-9 and "_"), and these cannot be converted: ${refused.join('; ')}. ` +
        'Retag those devices with the previous gateway version (device untag / device tag), then start this one',
    );
  }
}

export const REGISTRY_MIGRATIONS: MigrationSet = { name: 'registry', migrations: MIGRATIONS };
