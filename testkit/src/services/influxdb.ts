import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findInfluxd as findInfluxdBinary } from './binaries.js';
import { freePort } from './ports.js';
import { createScratchDir, launchServer, type ScratchDir } from './process.js';
import type { BinaryLauncher, StartedService } from './resolve.js';

/**
 * fetch() for the InfluxDB 1.x HTTP API below `baseUrl`, which may carry a path prefix and
 * user:password (fetch refuses URLs with credentials, so they become Basic auth).
 */
export function influxFetch(
  baseUrl: string,
  path: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<Response> {
  const { timeoutMs = 10_000, ...rest } = init;
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const headers = new Headers(rest.headers);
  if (base.username !== '') {
    const user = decodeURIComponent(base.username);
    const password = decodeURIComponent(base.password);
    headers.set('authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
    base.username = '';
    base.password = '';
  }
  return fetch(new URL(path.replace(/^\//, ''), base), {
    ...rest,
    headers,
    signal: rest.signal ?? AbortSignal.timeout(timeoutMs),
  });
}

/** Resolves if `url` is an InfluxDB 1.x HTTP API (2.x answers /ping too, but has no /query). */
export async function verifyInflux(url: string, timeoutMs = 5_000): Promise<void> {
  const response = await influxFetch(url, '/ping', { timeoutMs });
  if (response.status !== 204) throw new Error(`GET /ping answered ${response.status}, not 204`);
  const version = response.headers.get('x-influxdb-version') ?? '';
  if (!version.startsWith('1.')) {
    throw new Error(`it reports InfluxDB version '${version}', the tests need 1.x`);
  }
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Runs influxd on free loopback ports. Its files go in a temporary directory removed when it stops,
 * or, given `keptDir`, in that directory, kept for the next run (`npm start`'s data folder).
 */
async function startInfluxd(binary: string, keptDir?: string): Promise<StartedService> {
  // The RPC (backup/restore) port defaults to 8088 and must move too, or two runs would clash.
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const scratch: ScratchDir =
    keptDir === undefined ? await createScratchDir('gridlink-influx-') : { path: keptDir, remove: async () => {} };
  const dir = (name: string) => join(scratch.path, name);
  await Promise.all(['meta', 'data', 'wal'].map((name) => mkdir(dir(name), { recursive: true })));
  const configFile = dir('influxdb.conf');
  const config = [
    'reporting-disabled = true',
    `bind-address = ${tomlString(`127.0.0.1:${rpcPort}`)}`,
    '[meta]',
    `  dir = ${tomlString(dir('meta'))}`,
    '[data]',
    `  dir = ${tomlString(dir('data'))}`,
    `  wal-dir = ${tomlString(dir('wal'))}`,
    '  query-log-enabled = false',
    '[http]',
    `  bind-address = ${tomlString(`127.0.0.1:${httpPort}`)}`,
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[logging]',
    '  level = "warn"',
    '',
  ];
  await writeFile(configFile, config.join('\n'));

  return launchServer({
    name: 'influxd',
    binary,
    args: ['-config', configFile],
    scratch,
    url: `http://127.0.0.1:${httpPort}`,
    verify: verifyInflux,
    graceMs: 5_000,
  });
}

export function findInfluxd(): BinaryLauncher | null {
  const binary = findInfluxdBinary();
  if (binary === null) return null;
  return { detail: `influxd from ${binary}`, start: () => startInfluxd(binary) };
}

/**
 * influxd keeping its files in `dir` between runs; null when influxd is not installed. A relative
 * `dir` is taken from the current directory: influxd runs in a scratch directory of its own.
 */
export function findKeptInfluxd(dir: string): BinaryLauncher | null {
  const binary = findInfluxdBinary();
  if (binary === null) return null;
  const kept = resolve(dir);
  return { detail: `influxd from ${binary}`, start: () => startInfluxd(binary, kept) };
}
