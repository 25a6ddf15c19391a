import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createTestDatabase,
  createTestInfluxDatabase,
  testServices,
  testTopicPrefix,
  useTestDatabase,
} from './index.js';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
  const client = await connect(url);
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(testServices().postgres.url, 'select 1 from pg_database where datname = $1', [name]);
  return rows.length === 1;
}

describe('PostgreSQL test databases', () => {
  it('are isolated: a table created in one is absent from another', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    onTestFinished(a.drop);
    onTestFinished(b.drop);
    expect(a.name).not.toBe(b.name);

    await query(a.url, 'create table readings (id int primary key)');

    const exists = 'select to_regclass($1) is not null as present';
    expect(await query(a.url, exists, ['readings'])).toEqual([{ present: true }]);
    expect(await query(b.url, exists, ['readings'])).toEqual([{ present: false }]);
  });

  it('have unique gl_t_ names', async () => {
    const db = await createTestDatabase();
    onTestFinished(db.drop);
    expect(db.name).toMatch(/^gl_t_[0-9a-f]{12}$/);
    expect(db.url.endsWith(`/${db.name}`)).toBe(true);
  });

  it('drop() removes the database, even while a client is still connected', async () => {
    const db = await createTestDatabase();
    const lingering = await connect(db.url);
    onTestFinished(() => lingering.end().catch(() => {}));
    expect(await databaseExists(db.name)).toBe(true);

    await db.drop();

    expect(await databaseExists(db.name)).toBe(false);
    await expect(connect(db.url)).rejects.toThrow(/does not exist/);
    await expect(db.drop()).resolves.toBeUndefined();
  });

  describe('useTestDatabase()', () => {
    const db = useTestDatabase();

    it('provides one database to every test of the suite', async () => {
      expect(await databaseExists(db.name)).toBe(true);
      expect(await query(db.url, 'select current_database() as name')).toEqual([{ name: db.name }]);
    });
  });
});

describe('InfluxDB test databases', () => {
  async function databases(url: string): Promise<string[]> {
    const response = await fetch(`${url}/query?q=${encodeURIComponent('SHOW DATABASES')}`);
    const body = (await response.json()) as {
      results: Array<{ series?: Array<{ values?: string[][] }> }>;
    };
    return (body.results[0]?.series?.[0]?.values ?? []).map(([name]) => name ?? '');
  }

  it('are created with unique names and drop() removes them', async () => {
    const [a, b] = await Promise.all([createTestInfluxDatabase(), createTestInfluxDatabase()]);
    onTestFinished(b.drop);
    expect(a.database).not.toBe(b.database);
    expect(await databases(a.url)).toEqual(expect.arrayContaining([a.database, b.database]));

    await a.drop();

    expect(await databases(a.url)).not.toContain(a.database);
  });
});

describe('testTopicPrefix()', () => {
  it('is unique per call and safe to use as an MQTT base topic', () => {
    const prefixes = new Set(Array.from({ length: 100 }, () => testTopicPrefix()));
    expect(prefixes.size).toBe(100);
    for (const prefix of prefixes) expect(prefix).toMatch(/^t-[0-9a-f]{12}$/);
  });

  it('includes a sanitised label', () => {
    expect(testTopicPrefix('meter/+#  reading')).toMatch(/^t-meter-reading-[0-9a-f]{12}$/);
  });
});
