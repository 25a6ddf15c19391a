import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { testDataDir } from '../test-support.js';
import { CONFIG_COPY, MANIFEST } from './backup.js';

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = {
    write: (chunk: string) => {
      out += chunk;
      return true;
    },
  };
  const code = await runCli(argv, { stdout: sink, stderr: sink, env: {}, cwd });
  return { code, out };
}

/** A gateway installation: a configuration and a data directory with a registry of one device. */
async function installation(): Promise<{ dir: string; config: string; dataDir: string }> {
  const dir = testDataDir();
  const dataDir = join(dir, 'data');
  const registry = DeviceRegistry.open(registryPathIn(dataDir));
  await registry.addDevice({ id: 'smoke-1', kind: 'smoke_detector' });
  registry.close();
  mkdirSync(join(dataDir, 'onvif'));
  writeFileSync(join(dataDir, 'onvif', 'cameras.json'), '[]\n');
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, `gateway:\n  id: gw-cli\n  community: "320803001001"\n  data_dir: ./data\n`);
  return { dir, config, dataDir };
}

describe('gridlink-gateway backup and restore (the command line)', () => {
  it('copies the stores, the other data files and the configuration into a new folder, owner-only, and restores them', async () => {
    const { dir } = await installation();
    const backup = await cli(['backup', 'backups/one', '--config', 'gateway.yaml'], dir);
    expect(backup, backup.out).toMatchObject({ code: 0 });
    expect(backup.out).toMatch(/backed up gw-cli at .* into .*backups\/one: registry\.db \(schema \d+\)/);
    const folder = join(dir, 'backups', 'one');
    expect(JSON.parse(readFileSync(join(folder, MANIFEST), 'utf8'))).toMatchObject({
      format: 'gridlink-gateway-backup/1',
      gateway_id: 'gw-cli',
      stores: [{ file: 'registry.db', schema_version: DeviceRegistry.schemaVersion }],
    });
    expect(statSync(join(folder, CONFIG_COPY)).mode & 0o077).toBe(0);
    expect(statSync(join(folder, 'data', 'registry.db')).mode & 0o077).toBe(0);
    expect(existsSync(join(folder, 'data', 'onvif', 'cameras.json'))).toBe(true);

    const elsewhere = testDataDir();
    writeFileSync(
      join(elsewhere, 'gateway.yaml'),
      readFileSync(join(folder, CONFIG_COPY), 'utf8').replace('./data', './restored'),
    );
    const restore = await cli(['restore', folder, '--config', 'gateway.yaml'], elsewhere);
    expect(restore, restore.out).toMatchObject({ code: 0 });
    const registry = DeviceRegistry.open(registryPathIn(join(elsewhere, 'restored')));
    try {
      expect(registry.list().map((device) => device.id)).toEqual(['smoke-1']);
    } finally {
      registry.close();
    }
    expect(existsSync(join(elsewhere, 'restored', 'onvif', 'cameras.json'))).toBe(true);
  });

  it('refuses a folder that is not empty or inside the data directory, and restoring over a data directory that holds a store unless --force', async () => {
    const { dir } = await installation();
    expect((await cli(['backup', 'b', '--config', 'gateway.yaml'], dir)).code).toBe(0);
    const again = await cli(['backup', 'b', '--config', 'gateway.yaml'], dir);
    expect(again.code).toBe(1);
    expect(again.out).toContain('is not empty: give a new folder for each backup');
    const inside = await cli(['backup', 'data/backups/one', '--config', 'gateway.yaml'], dir);
    expect(inside.code).toBe(1);
    expect(inside.out).toContain('is inside gateway.data_dir: keep backups outside it');

    const over = await cli(['restore', 'b', '--config', 'gateway.yaml'], dir);
    expect(over.code).toBe(1);
    expect(over.out).toContain(
      'already holds registry.db: stop the gateway and restore into an empty gateway.data_dir',
    );
    expect((await cli(['restore', 'b', '--config', 'gateway.yaml', '--force'], dir)).code).toBe(0);
  });

  it('refuses a backup taken by a newer gateway release, naming the store and the fix, and copies nothing', async () => {
    const { dir } = await installation();
    expect((await cli(['backup', 'newer', '--config', 'gateway.yaml'], dir)).code).toBe(0);
    const copy = new Database(join(dir, 'newer', 'data', 'registry.db'));
    copy.prepare("INSERT INTO schema_version (version, applied_at) VALUES (99, '2030-01-01T00:00:00.000Z')").run();
    copy.close();
    const elsewhere = testDataDir();
    writeFileSync(join(elsewhere, 'gateway.yaml'), readFileSync(join(dir, 'gateway.yaml'), 'utf8'));
    const refused = await cli(['restore', join(dir, 'newer'), '--config', 'gateway.yaml'], elsewhere);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      `the backup's registry.db has registry schema version 99, newer than this gateway understands (${DeviceRegistry.schemaVersion}): install the gateway release that took the backup, or a newer one, then restore`,
    );
    expect(existsSync(join(elsewhere, 'data'))).toBe(false);
  });

  it('refuses a folder that is not a backup, and needs --config', async () => {
    const { dir } = await installation();
    mkdirSync(join(dir, 'photos'));
    const refused = await cli(['restore', 'photos', '--config', 'gateway.yaml'], testDataDir());
    expect(refused.code).toBe(1);
    const notBackup = await cli(['restore', join(dir, 'photos'), '--config', join(dir, 'gateway.yaml')], dir);
    expect(notBackup.out).toContain('is not a gateway backup (no manifest.json)');
    const usage = await cli(['backup', 'x'], dir);
    expect(usage.code).toBe(2);
    expect(usage.out).toContain('backup needs --config');
  });
});
