import { createHash } from 'node:crypto';
import { CLOUDEVENTS_BATCH_CONTENT_TYPE, type CloudEvent } from '@gridlink/protocol';
import { createTestDatabase, type TestDatabase, testServices } from '@gridlink/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentStore } from '../attachments/store.js';
import { hashToken } from '../gateways/tokens.js';
import { startCloud } from '../start.js';
import { api, manualClock, silentLogger, stateEvent, testCloudConfig } from '../test-support.js';
import type { Db, Queryable } from './db.js';
import { type Migration, migrate, readMigrations } from './migrate.js';
import { IN_MEMORY, openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

const GATEWAY = 'gw-old';
const TOKEN = 'gateway-token-issued-by-an-earlier-release-0123456789';
const AT = new Date('2025-03-01T08:00:00.000Z');
const COMMUNITY = '320803001001';
const PHOTO = createHash('sha256').update('photo').digest();
const SNAPSHOT = createHash('sha256').update('camera snapshot').digest();
const OLD_EVENT: CloudEvent = stateEvent(GATEWAY, 'smoke-1', { id: 'evt-written-by-an-earlier-release' });

/**
 * Representative rows an earlier release wrote, each in the schema of the migration that made the
 * table: they are inserted right after that migration while the database is built step by step,
 * so a later step's database holds what a deployment of that release would.
 */
const WRITTEN_AT: Record<number, (db: Queryable) => Promise<void>> = {
  1: async (db) => {
    await db.query('INSERT INTO gateways (id, name, created_at) VALUES ($1, $2, $3)', [GATEWAY, '3号楼网关', AT]);
    await db.query('INSERT INTO gateway_tokens (token_sha256, gateway_id, created_at) VALUES ($1, $2, $3)', [
      hashToken(TOKEN),
      GATEWAY,
      AT,
    ]);
    // As the intake stores it: the event's own time (a replay carries it unchanged), received at AT.
    await db.query(
      `INSERT INTO gateway_events (source, id, gateway_id, device_id, device_seq, type, priority, time, received_at, data)
       VALUES ($1, $2, $3, 'smoke-1', 1, $4, 'state', $5, $6, $7)`,
      [OLD_EVENT.source, OLD_EVENT.id, GATEWAY, OLD_EVENT.type, OLD_EVENT.time, AT, JSON.stringify(OLD_EVENT.data)],
    );
  },
  2: async (db) => {
    for (const [code, level, parent] of [
      ['320803', 'district', null],
      ['320803001', 'street', '320803'],
      [COMMUNITY, 'community', '320803001'],
    ] as const) {
      await db.query('INSERT INTO territory_units (code, level, parent_code, name_zh) VALUES ($1, $2, $3, $4)', [
        code,
        level,
        parent,
        `单元${code}`,
      ]);
    }
  },
  3: async (db) => {
    await db.query(
      `INSERT INTO incidents (id, state, category_code, severity, source, community, intake_request_id,
              first_occurred_at, last_occurred_at, title, created_at, updated_at)
       VALUES ('INC-20250301-000001', 'REPORTED', 'other', 'minor', 'patrol', $1, 'seed:old', $2, $2, '井盖缺失', $2, $2)`,
      [COMMUNITY, AT],
    );
  },
  5: async (db) => {
    await db.query(
      `INSERT INTO users (id, username, display_name, territory_code, password_hash, created_at)
       VALUES ('u-old', 'wang.old', '王网格员', $1, 'scrypt$not-a-real-hash', $2)`,
      [COMMUNITY, AT],
    );
  },
  15: async (db) => {
    await db.query(
      `INSERT INTO attachments (id, incident_id, media_type, name, size_bytes, sha256, content, uploaded_by, uploaded_at)
       VALUES ('00000000-0000-4000-8000-000000000015', 'INC-20250301-000001', 'image/jpeg', 'photo.jpg', $1, $2, $3, 'wang.old', $4)`,
      [PHOTO.byteLength, createHash('sha256').update(PHOTO).digest('hex'), PHOTO, AT],
    );
  },
  27: async (db) => {
    await db.query(
      `INSERT INTO devices (community, device_id, gateway_id, device_kind, status, first_reported_at, updated_at)
       VALUES ($1, 'smoke-1', $2, 'smoke_detector', 'active', $3, $3)`,
      [COMMUNITY, GATEWAY, AT],
    );
  },
  33: async (db) => {
    // A camera snapshot: its bytes kept once per content hash, the attachment naming them.
    const sha256 = createHash('sha256').update(SNAPSHOT).digest('hex');
    await db.query(
      `INSERT INTO attachment_blobs (sha256, media_type, size_bytes, content, stored_at) VALUES ($1, 'image/jpeg', $2, $3, $4)`,
      [sha256, SNAPSHOT.byteLength, SNAPSHOT, AT],
    );
    await db.query(
      `INSERT INTO attachments (id, incident_id, media_type, name, size_bytes, sha256, content, uploaded_by, uploaded_at)
       VALUES ('00000000-0000-4000-8000-000000000033', 'INC-20250301-000001', 'image/jpeg', 'camera.jpg', $1, $2, NULL, 'gateway', $3)`,
      [SNAPSHOT.byteLength, sha256, AT],
    );
  },
};

/** What each earlier write must still read as after the upgrade (in the latest schema). */
const READ_BACK: Record<number, (db: Db) => Promise<void>> = {
  1: async (db) => {
    expect((await db.query('SELECT id, name FROM gateways')).rows).toEqual([{ id: GATEWAY, name: '3号楼网关' }]);
    expect((await db.query('SELECT id, data FROM gateway_events')).rows).toEqual([
      { id: OLD_EVENT.id, data: OLD_EVENT.data },
    ]);
  },
  2: async (db) => {
    expect((await db.query('SELECT code FROM territory_units ORDER BY code')).rows).toHaveLength(3);
  },
  3: async (db) => {
    expect((await db.query('SELECT id, state, title FROM incidents')).rows).toEqual([
      { id: 'INC-20250301-000001', state: 'REPORTED', title: '井盖缺失' },
    ]);
  },
  5: async (db) => {
    expect((await db.query('SELECT username, display_name, active FROM users')).rows).toEqual([
      { username: 'wang.old', display_name: '王网格员', active: true },
    ]);
  },
  15: async (db) => {
    const read = await new AttachmentStore(db, manualClock()).read('00000000-0000-4000-8000-000000000015');
    expect(read?.content.equals(PHOTO)).toBe(true);
  },
  27: async (db) => {
    expect((await db.query('SELECT device_id, gateway_id, status FROM devices')).rows).toEqual([
      { device_id: 'smoke-1', gateway_id: GATEWAY, status: 'active' },
    ]);
  },
  33: async (db) => {
    const read = await new AttachmentStore(db, manualClock()).read('00000000-0000-4000-8000-000000000033');
    expect(read?.content.equals(SNAPSHOT)).toBe(true);
  },
};

const adminUrl = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServices().postgres.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const migrations = await readMigrations();

/**
 * Forward-only upgrades from every released schema (PostgreSQL): the database is built one
 * migration at a time with each release's data, and after each step a copy of it (a template
 * database) is upgraded to the latest schema, its data read back, and the cloud started on it —
 * the gateway of that release still authenticates and its events are still known.
 */
describe('upgrading from every earlier schema (PostgreSQL)', () => {
  let builder: TestDatabase;
  beforeAll(async () => {
    builder = await createTestDatabase();
  });
  afterAll(async () => {
    await builder?.drop();
  });

  const steps = migrations
    .slice(0, -1)
    .map((migration, index) => ({ migration, applied: migrations.slice(0, index + 1) }));
  it.each(steps)(
    'from $migration.name, with the data of each release before it',
    async ({ migration, applied }) => {
      const building = openPostgres({ url: builder.url, poolMax: 1, logger: silentLogger() });
      try {
        await migrate(building, applied);
        await WRITTEN_AT[migration.version]?.(building);
      } finally {
        await building.close();
      }

      const copy = `${builder.name}_at_${migration.version}`;
      await admin(`CREATE DATABASE ${pg.escapeIdentifier(copy)} TEMPLATE ${pg.escapeIdentifier(builder.name)}`);
      try {
        const url = adminUrl(builder.url, copy);
        const db = openPostgres({ url, poolMax: 4, logger: silentLogger() });
        const upgrade = await migrate(db);
        expect(upgrade.applied).toEqual(
          migrations.filter((later: Migration) => later.version > migration.version).map((later) => later.name),
        );
        for (const version of Object.keys(READ_BACK).map(Number)) {
          if (version <= migration.version) await READ_BACK[version]?.(db);
        }
        const cloud = await startCloud(testCloudConfig({ url }), silentLogger(), {
          db,
          maintenanceSweepMs: 86_400_000,
        });
        try {
          expect((await api(cloud, 'GET', '/readyz')).status).toBe(200);
          const send = (events: CloudEvent[]) =>
            api<{ results: unknown[] }>(cloud, 'POST', `/api/v1/gateways/${GATEWAY}/events`, {
              token: TOKEN,
              body: events,
              contentType: CLOUDEVENTS_BATCH_CONTENT_TYPE,
            });
          const fresh = stateEvent(GATEWAY, 'smoke-1');
          expect((await send([OLD_EVENT, fresh])).body).toEqual({
            results: [
              { id: OLD_EVENT.id, status: 'duplicate' },
              { id: fresh.id, status: 'accepted' },
            ],
          });
        } finally {
          await cloud.stop();
        }
      } finally {
        await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(copy)} WITH (FORCE)`);
      }
    },
    60_000,
  );
});

/**
 * The same on PGlite (the embedded database), in one process: the database is built a migration at
 * a time, and after each step the upgrade to the latest schema runs inside a transaction that is
 * rolled back (PostgreSQL's DDL is transactional), so the next step builds on the earlier state.
 * The cloud is not started here: the PostgreSQL run above starts it on every step.
 */
describe('upgrading from every earlier schema (PGlite, each upgrade rolled back)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPglite(IN_MEMORY);
  }, 30_000);
  afterAll(async () => {
    await db?.close();
  });

  const steps = migrations
    .slice(0, -1)
    .map((migration, index) => ({ migration, applied: migrations.slice(0, index + 1) }));
  it.each(steps)('from $migration.name, with the data of each release before it', async ({ migration, applied }) => {
    await migrate(db, applied);
    await WRITTEN_AT[migration.version]?.(db);

    await db.exec('BEGIN');
    try {
      // The upgrade runs in the transaction opened here, so that it can be undone.
      const inTransaction: Db = { ...db, transaction: (fn) => fn(db) };
      const upgrade = await migrate(inTransaction);
      expect(upgrade.applied).toEqual(
        migrations.filter((later) => later.version > migration.version).map((later) => later.name),
      );
      for (const version of Object.keys(READ_BACK).map(Number)) {
        if (version <= migration.version) await READ_BACK[version]?.(inTransaction);
      }
    } finally {
      await db.exec('ROLLBACK');
    }
  });
});
