import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { GridlinkServices } from './provided-context.js';
import { influxFetch } from './services/influxdb.js';
import { withPgClient } from './services/postgres.js';

/** The services resolved by the global setup. Call inside test files only. */
export function testServices(): GridlinkServices {
  const services = inject('gridlinkServices');
  if (!services) {
    throw new Error(
      '[testkit] no test services were provided: the root vitest config must list ' +
        "'./testkit/src/global-setup.ts' in test.globalSetup.",
    );
  }
  return services;
}

function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** Runs `drop` at most once at a time; a failed drop may be retried. */
function once(drop: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= drop().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

// --- PostgreSQL ----------------------------------------------------------------------------------

export interface TestDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Drops the database, disconnecting any client still using it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty PostgreSQL database with a unique name. Pair it with cleanup, e.g.
 * `onTestFinished(db.drop)`, or use {@link useTestDatabase} for one per suite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testServices().postgres.url;
  const name = `gl_t_${uniqueSuffix()}`;
  const identifier = pg.escapeIdentifier(name);
  await withPgClient(adminUrl, (client) => client.query(`CREATE DATABASE ${identifier}`));

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: once(async () => {
      // FORCE: a test that forgot to close its pool must not block the cleanup.
      await withPgClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${identifier} WITH (FORCE)`));
    }),
  };
}

// --- InfluxDB 1.x --------------------------------------------------------------------------------

async function influxQuery(baseUrl: string, statement: string): Promise<void> {
  const response = await influxFetch(baseUrl, '/query', {
    method: 'POST',
    body: new URLSearchParams({ q: statement }),
  });
  const body = await response.text();
  let error: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: string; results?: Array<{ error?: string }> };
    error = parsed.error ?? parsed.results?.find((result) => result.error)?.error;
  } catch {
    error = response.ok ? undefined : body;
  }
  if (!response.ok || error !== undefined) {
    throw new Error(`InfluxDB '${statement}' failed (HTTP ${response.status}): ${error ?? body}`);
  }
}

export interface TestInfluxDatabase {
  /** Base URL of the InfluxDB 1.x HTTP API (use `db=<database>` on /write and /query). */
  url: string;
  database: string;
  drop(): Promise<void>;
}

/** A fresh InfluxDB 1.x database with a unique name. */
export async function createTestInfluxDatabase(): Promise<TestInfluxDatabase> {
  const url = testServices().influx.url;
  const database = `gl_t_${uniqueSuffix()}`;
  await influxQuery(url, `CREATE DATABASE "${database}"`);
  return {
    url,
    database,
    drop: once(() => influxQuery(url, `DROP DATABASE "${database}"`)),
  };
}

// --- MQTT ----------------------------------------------------------------------------------------

/**
 * A unique base topic such as `t-3f9a0c1b2d4e` (or `t-<label>-…`), so tests sharing one broker
 * never see each other's messages. Use it as `${prefix}/…`; it contains no `/`, `+` or `#`.
 */
export function testTopicPrefix(label?: string): string {
  const safeLabel = (label ?? '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return safeLabel === '' ? `t-${uniqueSuffix()}` : `t-${safeLabel}-${uniqueSuffix()}`;
}

// --- suite-level conveniences --------------------------------------------------------------------

function useResource<T extends { drop(): Promise<void> }>(what: string, create: () => Promise<T>): () => T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await create();
  });
  afterAll(async () => {
    await resource?.drop();
  });
  return () => {
    if (resource === undefined) {
      throw new Error(`[testkit] the ${what} is only available inside tests and hooks`);
    }
    return resource;
  };
}

/**
 * Call at suite level: a fresh database created before the suite's tests and dropped after them.
 * Read `.url` / `.name` inside tests.
 */
export function useTestDatabase(): Readonly<Omit<TestDatabase, 'drop'>> {
  const current = useResource('test database', createTestDatabase);
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
  };
}

/** Call at suite level: like {@link useTestDatabase}, for InfluxDB. */
export function useTestInfluxDatabase(): Readonly<Omit<TestInfluxDatabase, 'drop'>> {
  const current = useResource('test InfluxDB database', createTestInfluxDatabase);
  return {
    get url() {
      return current().url;
    },
    get database() {
      return current().database;
    },
  };
}
