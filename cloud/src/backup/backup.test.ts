import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentStore } from '../attachments/store.js';
import { type CliIo, runCli } from '../cli/main.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { openPostgres } from '../db/postgres.js';
import { GatewayRegistry } from '../gateways/registry.js';
import { manualClock, silentLogger, TEST_ADMIN_TOKEN, testDataDir } from '../test-support.js';

const COMMUNITY = '320803001001';

/** Deterministic bytes (no randomness to seed): a SHA-256 chain, every byte value present. */
function bytes(size: number, label: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(label).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

async function cli(argv: string[], url: string | undefined): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = {
    write: (chunk: string) => {
      out += chunk;
      return true;
    },
  };
  const io: CliIo = {
    stdout: sink,
    stderr: sink,
    env: {
      GRIDLINK_AUTH__ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...(url === undefined ? {} : { GRIDLINK_DATABASE__URL: url }),
    },
    cwd: testDataDir(),
  };
  return { code: await runCli(argv, io), out };
}

/** Every table of the public schema with a digest of its rows, to compare two databases. */
async function contents(db: Db): Promise<Record<string, { rows: number; digest: string }>> {
  const { rows: tables } = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const result: Record<string, { rows: number; digest: string }> = {};
  for (const { name } of tables) {
    const { rows } = await db.query<{ n: number; digest: string | null }>(
      `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t`,
    );
    result[name] = { rows: rows[0]?.n ?? 0, digest: rows[0]?.digest ?? '' };
  }
  return result;
}

describe('gridlink-cloud backup and restore (pg_dump and pg_restore against real PostgreSQL)', () => {
  const source = useTestDatabase();
  const fresh = useTestDatabase();
  const another = useTestDatabase();
  const pools: Db[] = [];
  const open = (url: string) => {
    const db = openPostgres({ url, poolMax: 2, logger: silentLogger() });
    pools.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(pools.map((db) => db.close()));
  });

  const photo = bytes(3 * 1024 * 1024 + 17, 'site photo');
  const note = bytes(1000, 'signed note');
  const dump = join(testDataDir(), 'cloud.dump');
  let attachmentIds: string[] = [];

  beforeAll(async () => {
    const db = open(source.url);
    await migrate(db);
    const clock = manualClock();
    const registered = await new GatewayRegistry(db, clock, 60).register('gw-backup', 'Gateway', COMMUNITY);
    expect(registered.ok).toBe(true);
    await db.query(
      `INSERT INTO incidents (id, state, category_code, severity, source, drill, community, intake_request_id,
              first_occurred_at, last_occurred_at, title, created_at, updated_at)
       VALUES ('INC-20261125-000001', 'REPORTED', 'other', 'minor', 'patrol', false, $1, 'seed:1', $2, $2, '井盖缺失', $2, $2)`,
      [COMMUNITY, clock()],
    );
    const store = new AttachmentStore(db, clock);
    attachmentIds = [];
    for (const [name, content] of [
      ['photo.jpg', photo],
      ['note.pdf', note],
    ] as const) {
      const stored = await store.add({
        incidentId: 'INC-20261125-000001',
        mediaType: name.endsWith('.jpg') ? 'image/jpeg' : 'application/pdf',
        name,
        content,
        uploadedBy: 'patrol.wang',
      });
      attachmentIds.push(stored.id);
    }
  }, 60_000);

  it('backs up to one file and restores it into a fresh database: the same rows in every table and the same attachment bytes', async () => {
    const backup = await cli(['backup', '--out', dump], source.url);
    expect(backup, backup.out).toMatchObject({ code: 0 });
    expect(backup.out).toMatch(/backed up the database \(schema version \d+\)/);

    const restore = await cli(['restore', dump], fresh.url);
    expect(restore, restore.out).toMatchObject({ code: 0 });

    const restored = open(fresh.url);
    const before = await contents(open(source.url));
    expect(before.attachments?.rows).toBe(2);
    expect(await contents(restored)).toEqual(before);
    const store = new AttachmentStore(restored, manualClock());
    expect((await store.read(attachmentIds[0] as string))?.content.equals(photo)).toBe(true);
    expect((await store.read(attachmentIds[1] as string))?.content.equals(note)).toBe(true);
    // The restored database is current: the cloud starting on it has nothing to migrate.
    expect(await migrate(restored)).toEqual({ applied: [] });
  }, 60_000);

  it('refuses to restore over a database that has tables, unless --replace', async () => {
    const refused = await cli(['restore', dump], fresh.url);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/the database is not empty \(\d+ tables, schema version \d+\).*--replace/);

    const extra = open(fresh.url);
    await extra.query("INSERT INTO gateways (id, created_at) VALUES ('gw-after-backup', now())");
    const replaced = await cli(['restore', dump, '--replace'], fresh.url);
    expect(replaced, replaced.out).toMatchObject({ code: 0 });
    expect((await extra.query('SELECT id FROM gateways ORDER BY id')).rows).toEqual([{ id: 'gw-backup' }]);
  }, 60_000);

  it('refuses a dump whose schema is newer than this release, naming the fix', async () => {
    const db = open(source.url);
    await db.query("INSERT INTO schema_migrations (version, name, sha256) VALUES (9999, '9999_future.sql', 'f')");
    const newer = join(testDataDir(), 'newer.dump');
    try {
      expect((await cli(['backup', '--out', newer], source.url)).code).toBe(0);
    } finally {
      await db.query('DELETE FROM schema_migrations WHERE version = 9999');
    }
    const refused = await cli(['restore', newer], another.url);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("holds schema version 9999, newer than this cloud's migrations");
    expect(refused.out).toContain('restore it with the cloud release that wrote it, or a newer one');
    expect((await contents(open(another.url))).gateways).toBeUndefined();
  }, 60_000);

  it('refuses to overwrite an existing backup file, and says how to back up the embedded database', async () => {
    const again = await cli(['backup', '--out', dump], source.url);
    expect(again.code).toBe(1);
    expect(again.out).toContain('exists already: give a new file name for each backup');
    const embedded = await cli(['backup', '--out', join(testDataDir(), 'x.dump')], undefined);
    expect(embedded.code).toBe(1);
    expect(embedded.out).toContain('backup and restore work on PostgreSQL (database.url)');
  });
});
