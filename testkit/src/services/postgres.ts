import { readFileSync } from 'node:fs';
import { appendFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBinDir, findRunuser } from './binaries.js';
import { freePort } from './ports.js';
import { createScratchDir, errorMessage, fileTail, onProcessExit, runCommand, waitUntilReady } from './process.js';
import type { BinaryLauncher, StartedService } from './resolve.js';

/** Opens one short-lived connection; the harness never needs a pool. */
export async function withPgClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
  connectTimeoutMs = 5_000,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  // A server-side disconnect after a failed connect would otherwise be an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Checks a user-supplied admin URL: it answers and its role may create databases. */
export async function verifyPostgres(url: string): Promise<void> {
  const allowed = await withPgClient(url, async (client) => {
    const result = await client.query<{ allowed: boolean }>(
      'select rolcreatedb or rolsuper as allowed from pg_roles where rolname = current_user',
    );
    return result.rows[0]?.allowed === true;
  });
  if (!allowed) throw new Error('its role is not allowed to CREATE DATABASE');
}

interface PostgresUser {
  runuser: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root, so as root everything runs as the `postgres` user. */
async function postgresUserIfRoot(): Promise<PostgresUser | null> {
  if (process.getuid?.() !== 0) return null;
  const advice = 'run the tests as a non-root user, or set GRIDLINK_TEST_PG_URL to an existing server';
  let uid: number;
  let gid: number;
  try {
    uid = Number((await runCommand('id', ['-u', 'postgres'])).trim());
    gid = Number((await runCommand('id', ['-g', 'postgres'])).trim());
  } catch {
    throw new Error(
      "PostgreSQL refuses to run as root and there is no 'postgres' system user to run it as: " +
        `create one (useradd --system --user-group postgres), ${advice}`,
    );
  }
  const runuser = findRunuser();
  if (runuser === null) {
    throw new Error(
      "PostgreSQL refuses to run as root and runuser (util-linux) was not found to switch to the 'postgres' user: " +
        `install util-linux, ${advice}`,
    );
  }
  return { runuser, uid, gid };
}

function readPostmasterPid(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function quoteConfValue(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function startPostgres(binDir: string): Promise<StartedService> {
  const user = await postgresUserIfRoot();
  const asPostgres = (command: string, args: string[]): [string, string[]] =>
    user === null ? [command, args] : [user.runuser, ['-u', 'postgres', '--', command, ...args]];

  const port = await freePort();
  const scratch = await createScratchDir('gridlink-pg-');
  const dataDir = join(scratch.path, 'data');
  const logFile = join(scratch.path, 'postgres.log');
  const pgCtl = join(binDir, 'pg_ctl');
  const run = (command: string, args: string[], timeoutMs: number) =>
    runCommand(...asPostgres(command, args), { cwd: scratch.path, timeoutMs });

  // pg_ctl detaches the server, so no child handle can kill it: signal the postmaster directly.
  // SIGQUIT is PostgreSQL's immediate shutdown, which also takes the backends down.
  const killPostmaster = (signal: NodeJS.Signals) => {
    const pid = readPostmasterPid(dataDir);
    if (pid !== null) process.kill(pid, signal);
  };
  const cancelExitKill = onProcessExit(() => killPostmaster('SIGQUIT'));

  const stop = async () => {
    try {
      await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '10'], 15_000);
    } catch {
      try {
        killPostmaster('SIGKILL');
      } catch {
        // Already gone (or never started).
      }
    }
    cancelExitKill();
    await scratch.remove();
  };

  try {
    if (user !== null) await chown(scratch.path, user.uid, user.gid);
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      60_000,
    );
    // Durability is pointless for a disposable test server; skipping it makes DDL much faster.
    const settings = [
      '',
      '# gridlink testkit: private, disposable test server',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = ${quoteConfValue(scratch.path)}`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      // Every parallel test file may hold its own pool.
      'max_connections = 200',
      '',
    ];
    await appendFile(join(dataDir, 'postgresql.conf'), settings.join('\n'));
    try {
      await run(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30'], 35_000);
    } catch (error) {
      throw new Error(`${errorMessage(error)}\n  Server log:\n${indentLines(await fileTail(logFile))}`);
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitUntilReady(
      'PostgreSQL',
      async () => {
        await withPgClient(url, (client) => client.query('select 1'), 1_000);
        return true;
      },
      { timeoutMs: 10_000, log: () => fileTail(logFile) },
    );
    return { url, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

function indentLines(text: string): string {
  return text.replace(/^/gm, '    ');
}

/** initdb + pg_ctl from the PATH or Debian's /usr/lib/postgresql/<version>/bin. */
export function findPostgres(): BinaryLauncher | null {
  const binDir = findPostgresBinDir();
  if (binDir === null) return null;
  return { detail: `initdb from ${binDir}`, start: () => startPostgres(binDir) };
}
