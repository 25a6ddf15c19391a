import { findPostgres } from '@gridlink/testkit/services';
import pg from 'pg';

/**
 * A throwaway Debian PostgreSQL for one benchmark, with an empty database of that name. The
 * testkit starts it with fsync off: figures measure the software, not this machine's disk.
 */
export async function startBenchPostgres(database: string): Promise<{ url: string; stop(): Promise<void> }> {
  const launcher = findPostgres();
  if (!launcher) throw new Error("PostgreSQL not found: install the Debian package 'postgresql'");
  const server = await launcher.start();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return { url: url.toString(), stop: server.stop };
}
