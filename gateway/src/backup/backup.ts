import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { REGISTRY_MIGRATIONS } from '../registry/migrations.js';
import { STATE_MIGRATIONS } from '../rules/state-store.js';
import { latestVersion, type MigrationSet } from '../storage/migrate.js';
import { LEDGER_MIGRATIONS } from '../uplink/downlink.js';
import { OUTBOX_MIGRATIONS } from '../uplink/outbox.js';

/**
 * A gateway's backup: a folder holding a consistent copy of each SQLite store of its `data_dir`
 * (device registry, rule state, outbox, downlink ledger), its other files (camera subscriptions,
 * cloud rules, snapshots waiting to go up) and the configuration file, with a `manifest.json`.
 *
 * It is taken from outside the running gateway, by opening each store read-only: the stores are in
 * WAL mode, so a reader in another process sees the last committed state while the gateway keeps
 * writing, and SQLite's online backup copies that state. After its first step (100 pages) the rest
 * of the file is copied in one step, one read transaction: if the gateway wrote in between, SQLite
 * starts the copy again within that step. Either way the copy is one committed moment of the file,
 * and the backup ends however busy the gateway is (small steps could restart forever). The stores are copied one after another: each is
 * consistent in itself, and an event acknowledged to a device before `backupGateway` was called
 * is in the outbox copy. An event acknowledged after that is not: a restore loses it.
 */
export const MANIFEST = 'manifest.json';
export const CONFIG_COPY = 'gateway.yaml';
export const DATA = 'data';

export interface BackupManifest {
  format: 'gridlink-gateway-backup/1';
  gateway_id: string;
  taken_at: string;
  /** Each SQLite store copied and the schema version it had. */
  stores: Array<{ file: string; schema_version: number }>;
}

/** Files of a data directory that are SQLite's own or the outbox's disk reserve, never copied as they are. */
const SKIPPED = /(-wal|-shm|-journal|\.reserve|\.lock)$/;

/** The stores this release knows, by file name in `data_dir`. */
const STORES: Record<string, MigrationSet> = {
  'registry.db': REGISTRY_MIGRATIONS,
  'rules.db': STATE_MIGRATIONS,
  'outbox.db': OUTBOX_MIGRATIONS,
  'downlink.db': LEDGER_MIGRATIONS,
};

/** Every remaining page in the next step: one read transaction, so the copy is one committed state of the file. */
const ALL_PAGES = 2 ** 30;

export class BackupError extends Error {}

/** Copies `dataDir` (and `configFile`) into `target`, which must not exist or be empty. */
export async function backupGateway(options: {
  dataDir: string;
  configFile: string;
  gatewayId: string;
  target: string;
  now?: () => Date;
}): Promise<BackupManifest> {
  const { dataDir, target } = options;
  if (!existsSync(dataDir))
    throw new BackupError(`the data directory ${dataDir} does not exist: check gateway.data_dir`);
  if (`${resolve(target)}${sep}`.startsWith(`${resolve(dataDir)}${sep}`)) {
    throw new BackupError(`${target} is inside gateway.data_dir: keep backups outside it (and off the box)`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new BackupError(`${target} is not empty: give a new folder for each backup`);
  }
  // Written to a sibling folder and renamed at the end: a half-written backup never looks finished.
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, DATA), { recursive: true, mode: 0o700 });
  const stores: BackupManifest['stores'] = [];
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    const from = join(dataDir, entry.name);
    const to = join(partial, DATA, entry.name);
    if (entry.isDirectory()) {
      cpSync(from, to, { recursive: true });
    } else if (entry.name.endsWith('.db')) {
      stores.push({ file: entry.name, schema_version: await copyStore(from, to) });
    } else if (!SKIPPED.test(entry.name)) {
      copyFileSync(from, to);
    }
  }
  copyFileSync(options.configFile, join(partial, CONFIG_COPY));
  chmodSync(join(partial, CONFIG_COPY), 0o600);
  const manifest: BackupManifest = {
    format: 'gridlink-gateway-backup/1',
    gateway_id: options.gatewayId,
    taken_at: (options.now ?? (() => new Date()))().toISOString(),
    stores,
  };
  await writeFile(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  return manifest;
}

async function copyStore(from: string, to: string): Promise<number> {
  // Read-only: the backup can never write into the running gateway's files.
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(to, { progress: () => ALL_PAGES });
  } finally {
    source.close();
  }
  chmodSync(to, 0o600);
  return schemaVersion(to);
}

function schemaVersion(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
    if (!table) return 0;
    return (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  } finally {
    db.close();
  }
}

/**
 * Puts a backup's data into `dataDir`. Refused when `dataDir` already holds a store, unless
 * `force` (the stores there are then replaced): a restore must not silently mix two gateways'
 * data. Run it with the gateway stopped. A store of a newer schema than this release knows (a
 * backup taken after an upgrade) is refused before anything is copied.
 */
export function restoreGateway(options: { backup: string; dataDir: string; force?: boolean }): BackupManifest {
  const { backup, dataDir } = options;
  const manifest = readManifest(backup);
  for (const name of readdirSync(join(backup, DATA)).filter((file) => file.endsWith('.db'))) {
    const set = STORES[name];
    if (set === undefined) continue;
    const found = schemaVersion(join(backup, DATA, name));
    if (found > latestVersion(set)) {
      throw new BackupError(
        `the backup's ${name} has ${set.name} schema version ${found}, newer than this gateway understands (${latestVersion(set)}): install the gateway release that took the backup, or a newer one, then restore`,
      );
    }
  }
  if (existsSync(dataDir)) {
    const present = readdirSync(dataDir).filter((name) => name.endsWith('.db'));
    if (present.length > 0 && !options.force) {
      throw new BackupError(
        `${dataDir} already holds ${present.join(', ')}: stop the gateway and restore into an empty gateway.data_dir, or add --force to replace them`,
      );
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dataDir)) {
    if (name.endsWith('.db') || SKIPPED.test(name)) rmSync(join(dataDir, name), { force: true });
  }
  const from = join(backup, DATA);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(dataDir, entry.name);
    if (entry.isDirectory()) {
      cpSync(source, target, { recursive: true, force: true });
      continue;
    }
    // Copied beside and renamed: a store is never seen half written.
    const temporary = join(dataDir, `.${basename(entry.name)}.restoring`);
    copyFileSync(source, temporary);
    chmodSync(temporary, 0o600);
    renameSync(temporary, target);
  }
  return manifest;
}

export function readManifest(backup: string): BackupManifest {
  const file = join(backup, MANIFEST);
  if (!existsSync(file)) {
    throw new BackupError(
      `${backup} is not a gateway backup (no ${MANIFEST}): give the folder gridlink-gateway backup wrote`,
    );
  }
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
  if (manifest.format !== 'gridlink-gateway-backup/1') {
    throw new BackupError(`${file}: format ${JSON.stringify(manifest.format)} is not one this gateway restores`);
  }
  return manifest;
}
