import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { redactUrl } from '../logging/redact-url.js';
import type { Db } from './db.js';
import { lockDirectory } from './directory-lock.js';
import { IN_MEMORY, openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/**
 * The parts of the configuration (`cloud`, `database`) that say where the database is; spelled out
 * here so the database layer does not depend on the configuration's schema, which builds on it.
 */
export interface DatabaseLocation {
  cloud: { data_dir: string };
  database: { url?: string; password?: string; pool_max: number; data_dir?: string };
}

/** Where the embedded database lives: `database.data_dir`, else `<cloud.data_dir>/pglite`. */
export function embeddedDataDir(config: DatabaseLocation): string {
  const dir = config.database.data_dir ?? join(config.cloud.data_dir, 'pglite');
  return dir === IN_MEMORY ? dir : resolve(dir);
}

/** PostgreSQL when `database.url` is set, else the embedded database (locked to this process). */
export async function openDatabase(config: DatabaseLocation, logger: Logger): Promise<Db> {
  const log = logger.child({ module: 'db' });
  const { url } = config.database;
  if (url !== undefined) {
    log.info({ backend: 'postgres', url: redactUrl(url), pool_max: config.database.pool_max }, 'opening the database');
    return openPostgres({ url, password: config.database.password, poolMax: config.database.pool_max, logger: log });
  }
  const dataDir = embeddedDataDir(config);
  if (dataDir === IN_MEMORY) {
    log.info({ backend: 'pglite', data_dir: dataDir }, 'opening the database');
    return openPglite(dataDir);
  }
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o700 });
  const unlock = lockDirectory(dataDir);
  try {
    log.info({ backend: 'pglite', data_dir: dataDir }, 'opening the database');
    const db = await openPglite(dataDir);
    return {
      ...db,
      async close() {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
