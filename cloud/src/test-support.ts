import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { useTestDatabase } from '@gridlink/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { CloudConfig, type CloudConfigInput } from './config/schema.js';
import type { Db } from './db/db.js';
import { migrate, readMigrations } from './db/migrate.js';
import { IN_MEMORY, openPglite } from './db/pglite.js';
import { openPostgres } from './db/postgres.js';
import { type RunningCloud, type StartCloudOptions, startCloud } from './start.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef-0123456789';

export const silentLogger = () => pino({ level: 'silent' });

const dataDirs: string[] = [];
process.once('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed when the test process exits. */
export function testDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-cloud-'));
  dataDirs.push(dir);
  return dir;
}

/** Loopback, a port chosen by the OS, the test admin token, and the database given (plus `extra` sections). */
export function testCloudConfig(
  database: { url: string } | { data_dir: string } = { data_dir: IN_MEMORY },
  extra: TestConfigExtra = {},
): CloudConfig {
  return CloudConfig.parse({
    ...extra,
    cloud: { data_dir: testDataDir() },
    http: { host: '127.0.0.1', port: 0, ...extra.http },
    database,
    auth: { admin_token: TEST_ADMIN_TOKEN, ...extra.auth },
    log: { level: 'silent' },
  });
}

/** Configuration a suite sets on top of the test defaults (e.g. trusted proxies, login limits). */
export interface TestConfigExtra extends Pick<CloudConfigInput, 'robots'> {
  http?: Omit<NonNullable<CloudConfigInput['http']>, 'host' | 'port'>;
  auth?: Omit<NonNullable<CloudConfigInput['auth']>, 'admin_token'>;
}

/** A clock that moves only when told to. */
export function manualClock(start = '2026-11-25T08:00:00.000Z') {
  let now = new Date(start).getTime();
  const clock = () => new Date(now);
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * Call at suite level: a cloud started before the suite's tests and stopped after them, on
 * PostgreSQL (a throwaway database of the testkit) or on in-memory PGlite.
 */
export function useTestCloud(
  backend: Backend,
  options: StartCloudOptions = {},
  extra: TestConfigExtra = {},
): () => RunningCloud {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  let cloud: RunningCloud | undefined;
  beforeAll(async () => {
    const config = testCloudConfig(database ? { url: database.url } : { data_dir: IN_MEMORY }, extra);
    // The maintenance sweep runs only when a test asks for it: on a test's manual clock, hours pass
    // in a moment and every registered gateway would look silent to a sweep firing in the background.
    cloud = await startCloud(config, silentLogger(), { maintenanceSweepMs: 86_400_000, ...options });
  }, 30_000);
  afterAll(async () => {
    await cloud?.stop();
  });
  return () => {
    if (cloud === undefined) throw new Error('the test cloud is only available inside tests and hooks');
    return cloud;
  };
}

/**
 * Call at suite level: a migrated database without a running cloud, on a throwaway PostgreSQL
 * database of the testkit (a pool, so transactions really race) or on in-memory PGlite. Give
 * `versions` to apply only the migrations a module needs; all of them otherwise.
 */
export function useMigratedDatabase(
  backend: Backend,
  options: { what: string; versions?: ReadonlySet<number> },
): () => Db {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    db = database
      ? openPostgres({ url: database.url, poolMax: 4, logger: silentLogger() })
      : await openPglite(IN_MEMORY);
    const versions = options.versions;
    const migrations = await readMigrations();
    await migrate(db, versions ? migrations.filter((migration) => versions.has(migration.version)) : migrations);
  }, 30_000);
  afterAll(async () => {
    await db?.close();
  });
  return () => {
    if (db === undefined) throw new Error(`the ${options.what} is only available inside tests and hooks`);
    return db;
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  contentType: string;
  headers: Headers;
  body: T;
}

/** One HTTP request to the cloud; JSON in, JSON (or problem JSON) out. */
export async function api<T = Record<string, unknown>>(
  cloud: RunningCloud,
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    contentType?: string;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    body = options.rawBody ?? JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
  };
}

/** Registers a gateway through the API, serving `community`, and returns its token. */
export async function registerGateway(cloud: RunningCloud, id: string, community = '320803001001'): Promise<string> {
  const response = await api<{ token: string }>(cloud, 'POST', '/api/v1/gateways', {
    token: TEST_ADMIN_TOKEN,
    body: { id, name: `Gateway ${id}`, community },
  });
  if (response.status !== 201)
    throw new Error(`registering ${id}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.token;
}

let counter = 0;

/** A valid state event from `device` of `gateway`, with a unique id unless one is given. */
export function stateEvent(
  gateway: string,
  device = 'smoke-b3-u2-0401',
  overrides: Partial<CloudEvent> = {},
): CloudEvent {
  counter++;
  return {
    ...createCloudEvent({
      id: `evt-${process.pid}-${Date.now()}-${counter}`,
      type: 'cn.gridlink.device.state.v1',
      gatewayId: gateway,
      deviceId: device,
      time: '2026-11-25T14:52:18.646Z',
      data: { device_id: device, device_kind: 'smoke_detector', state: { battery: 88, n: counter } },
      priority: 'state',
      deviceSeq: counter,
    }),
    ...overrides,
  } as CloudEvent;
}
