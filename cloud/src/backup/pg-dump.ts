import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { redactUrl } from '../logging/redact-url.js';

const run = promisify(execFile);

/**
 * The cloud's backup is one `pg_dump` of its PostgreSQL database in the custom format. Everything
 * the cloud keeps is in that database — attachment bytes and camera snapshots included (the
 * `attachments` and `attachment_blobs` tables) — so one dump restores everything.
 */
export interface PgTarget {
  url: string;
  /** `database.password`: handed to the tools through PGPASSWORD, never on a command line. */
  password?: string | undefined;
}

export class BackupRefused extends Error {}

/** The environment for pg_dump/pg_restore: the password out of argv (which `ps` shows to everyone). */
function toolEnv(target: PgTarget): NodeJS.ProcessEnv {
  return target.password === undefined ? process.env : { ...process.env, PGPASSWORD: target.password };
}

async function tool(name: 'pg_dump' | 'pg_restore', args: string[], target: PgTarget): Promise<string> {
  try {
    const { stdout } = await run(name, args, { env: toolEnv(target), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new BackupRefused(
        `${name} was not found on the PATH: install the PostgreSQL client tools of the server's major version or newer (Debian: postgresql-client)`,
      );
    }
    const said = (failure.stderr ?? failure.message).trim();
    if (target.url !== '')
      throw new BackupRefused(`${name} failed: ${said.replaceAll(target.url, redactUrl(target.url))}`);
    throw new BackupRefused(`${name} failed: ${said}`);
  }
}

async function withClient<T>(target: PgTarget, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: target.url,
    ...(target.password === undefined ? {} : { password: target.password }),
  });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The newest migration applied to the database, 0 when it has none. */
export async function databaseSchemaVersion(target: PgTarget): Promise<number> {
  return withClient(target, async (client) => {
    const table = await client.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present");
    if (!table.rows[0]?.present) return 0;
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return rows[0]?.v ?? 0;
  });
}

/** Tables in the database's public schema: a restore goes into a database with none. */
export async function publicTables(target: PgTarget): Promise<number> {
  return withClient(target, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/** Writes the whole database to `file` (custom format: compressed, restored with pg_restore). */
export async function dumpDatabase(target: PgTarget, file: string): Promise<void> {
  // No owners or grants: the dump restores under whichever role the new server gives the cloud.
  await tool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, target.url], target);
}

/**
 * The schema version a dump holds, read from its `schema_migrations` rows without restoring it
 * (pg_restore prints the table's COPY data: one `version<TAB>name<TAB>…` line per migration).
 */
export async function dumpSchemaVersion(file: string): Promise<number> {
  const text = await tool('pg_restore', ['--data-only', '--table=schema_migrations', '--file=-', file], { url: '' });
  let version = 0;
  let inCopy = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('COPY ') && line.includes('schema_migrations')) inCopy = true;
    else if (line === '\\.') inCopy = false;
    else if (inCopy) version = Math.max(version, Number(line.split('\t')[0]) || 0);
  }
  return version;
}

/** Drops everything in the public schema (tables, functions, triggers), leaving it empty. */
export async function emptyPublicSchema(target: PgTarget): Promise<void> {
  await withClient(target, async (client) => {
    await client.query('DROP SCHEMA public CASCADE');
    await client.query('CREATE SCHEMA public');
  });
}

/** Restores `file` into the database, all or nothing (one transaction, stopping at the first error). */
export async function restoreDatabase(target: PgTarget, file: string): Promise<void> {
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${target.url}`];
  await tool('pg_restore', [...args, file], target);
}
