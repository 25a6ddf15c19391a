import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../credentials/password.js';
import type { Directory } from '../devices/directory.js';
import { DeviceRegistry, RegistryError } from './registry.js';

let dir: string;
let path: string;
const open: DeviceRegistry[] = [];

function openRegistry(at = path, now?: () => Date): DeviceRegistry {
  const registry = DeviceRegistry.open(at, now ? { now } : {});
  open.push(registry);
  return registry;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-registry-'));
  path = join(dir, 'data', 'registry.db');
});
afterEach(async () => {
  for (const registry of open.splice(0)) registry.close();
  await rm(dir, { recursive: true, force: true });
});

/** The error a call fails with (sync or async), for exact-text assertions. */
async function failure(call: () => unknown): Promise<RegistryError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

const smoke = {
  id: 'smoke-b3-u2-0401',
  kind: 'smoke_detector',
  community: '320803001001',
  grid: '320803001001003',
  building: '3',
  unit: '2',
  floor: 4,
  room: '401',
  notes: '厨房吊顶',
};

describe('DeviceRegistry: the database file', () => {
  it('creates the file (and its directory) private to its owner, in WAL mode, at schema version 1', async () => {
    openRegistry();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_version').pluck().all()).toEqual([1]);
    } finally {
      raw.close();
    }
  });

  it('keeps everything across close and reopen, and migrates only once', async () => {
    const first = openRegistry();
    const { password } = await first.addDevice(smoke);
    await first.addService('nodered', 'observer');
    first.close();

    const second = openRegistry();
    const device = second.device(smoke.id);
    expect(device?.status).toBe('active');
    expect(await verifyPassword(password, device?.passwordHash ?? '')).toBe(true);
    expect(second.service('nodered')?.role).toBe('observer');
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM schema_version').pluck().get()).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('refuses a registry written by a newer gateway', () => {
    openRegistry().close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00.000Z')").run();
    raw.close();
    expect(() => DeviceRegistry.open(path)).toThrow(
      `${path} has registry schema version 99, newer than this gateway understands (1): upgrade the gateway`,
    );
  });

  it('refuses an SQLite file that is not a registry, and a file that is not SQLite', async () => {
    const other = join(dir, 'outbox.db');
    const raw = new Database(other);
    raw.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY)');
    raw.close();
    expect(() => DeviceRegistry.open(other)).toThrow(
      `${other} is an SQLite database but not a Gridlink device registry`,
    );

    const text = join(dir, 'notes.txt');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(text, 'this is not a database, just some text that is long enough to have a header'.repeat(10));
    expect(() => DeviceRegistry.open(text)).toThrow(`${text} is not an SQLite database, so not a device registry`);
  });

  it('never stores a password in clear: not in the database, not in the WAL', async () => {
    const registry = openRegistry();
    const { password } = await registry.addDevice(smoke);
    const files = (await readdir(join(dir, 'data'))).map((name) => join(dir, 'data', name));
    expect(files.some((file) => file.endsWith('-wal'))).toBe(true);
    for (const file of files) expect((await readFile(file)).includes(Buffer.from(password))).toBe(false);
  });
});

describe('DeviceRegistry: adding devices', () => {
  it('returns the generated password once; only its scrypt hash is stored', async () => {
    const registry = openRegistry(path, () => new Date('2026-11-25T14:52:18.646Z'));
    const { device, password } = await registry.addDevice(smoke);
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(device).toEqual({
      id: 'smoke-b3-u2-0401',
      kind: 'smoke_detector',
      status: 'active',
      place: { community: '320803001001', grid: '320803001001003', building: '3', unit: '2', floor: 4, room: '401' },
      notes: '厨房吊顶',
      createdAt: '2026-11-25T14:52:18.646Z',
    });
    expect(device).not.toHaveProperty('passwordHash');

    const record = registry.device(smoke.id);
    expect(record?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword(password, record?.passwordHash ?? '')).toBe(true);
    expect(await verifyPassword('not-the-password', record?.passwordHash ?? '')).toBe(false);
  });

  it('gives every device its own password', async () => {
    const registry = openRegistry();
    const a = await registry.addDevice({ id: 'gas-1', kind: 'gas_detector' });
    const b = await registry.addDevice({ id: 'gas-2', kind: 'gas_detector' });
    expect(a.password).not.toBe(b.password);
  });

  it('implements the Directory the broker authenticates against', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'leak-1', kind: 'water_leak' });
    await registry.addService('nodered', 'observer');
    const directory: Directory = registry;
    expect(directory.device('leak-1')).toMatchObject({ id: 'leak-1', kind: 'water_leak', status: 'active' });
    expect(directory.device('leak-1')).not.toHaveProperty('place');
    expect(directory.device('nobody')).toBeUndefined();
    expect(directory.service('nodered')).toMatchObject({ username: 'nodered', role: 'observer' });
    expect(directory.service('nobody')).toBeUndefined();
  });

  it('validates input against the protocol, naming every bad field', async () => {
    const registry = openRegistry();
    const error = await failure(() =>
      registry.addDevice({
        id: 'Smoke 1',
        kind: 'smoke_detecter',
        community: '3208',
        floor: 300,
        colour: 'red',
      } as never),
    );
    expect(error.code).toBe('invalid');
    expect(error.summary).toBe('invalid device Smoke 1');
    expect(error.issues).toEqual([
      'id: a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit (received string "Smoke 1")',
      expect.stringMatching(
        /^kind: expected one of "smoke_detector", "gas_detector", .*, received string "smoke_detecter" \(did you mean "smoke_detector"\?\)$/,
      ),
      'community: a community code is 12 digits (received string "3208")',
      'floor: expected integer <= 200, received number 300',
      'colour: unknown field',
    ]);
    expect(registry.list()).toEqual([]);
  });

  it('refuses reserved ids, a grid outside the community, and place parts without a community', async () => {
    const registry = openRegistry();
    expect((await failure(() => registry.addDevice({ id: 'bridge', kind: 'gateway' }))).issues).toEqual([
      'id: "bridge" and "alert" are reserved topic levels, not device ids',
    ]);
    expect(
      (
        await failure(() =>
          registry.addDevice({
            id: 'cover-1',
            kind: 'manhole_cover',
            community: '320803001001',
            grid: '320803002001001',
          }),
        )
      ).issues,
    ).toEqual([
      "grid: grid 320803002001001 is not in community 320803001001 (a grid code starts with its community's 12 digits)",
    ]);
    expect(
      (await failure(() => registry.addDevice({ id: 'cover-2', kind: 'manhole_cover', building: '3' }))).issues,
    ).toEqual(['community: required when grid, building, unit, floor or room is given (12 digits)']);
  });

  it('refuses a duplicate id, clearly', async () => {
    const registry = openRegistry();
    await registry.addDevice(smoke);
    const error = await failure(() => registry.addDevice({ id: smoke.id, kind: 'gas_detector' }));
    expect(error.code).toBe('exists');
    expect(error.message).toBe('device smoke-b3-u2-0401 already exists');
    expect(registry.device(smoke.id)?.kind).toBe('smoke_detector');
  });

  it('keeps device ids and service usernames apart (the broker looks devices up first)', async () => {
    const registry = openRegistry();
    await registry.addService('nodered', 'observer');
    await registry.addDevice({ id: 'gas-1', kind: 'gas_detector' });
    expect((await failure(() => registry.addDevice({ id: 'nodered', kind: 'gas_detector' }))).message).toBe(
      'nodered is the username of a service account',
    );
    expect((await failure(() => registry.addService('gas-1', 'observer'))).message).toBe(
      'gas-1 is a device id; a service account needs another name',
    );
  });

  it('adds a batch all or nothing', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'th-2', kind: 'temp_humidity' });
    await failure(() =>
      registry.addDevices([
        { id: 'th-1', kind: 'temp_humidity' },
        { id: 'th-2', kind: 'temp_humidity' },
      ]),
    );
    expect(registry.get('th-1')).toBeUndefined();
  });
});

describe('DeviceRegistry: listing', () => {
  it('lists by status, kind and community, ordered by id, without hashes', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'smoke-2', kind: 'smoke_detector', community: '320803001001' });
    await registry.addDevice({ id: 'smoke-1', kind: 'smoke_detector', community: '320803001002' });
    await registry.addDevice({ id: 'gas-1', kind: 'gas_detector', community: '320803001001' });
    registry.retire('smoke-2');

    expect(registry.list().map((d) => d.id)).toEqual(['gas-1', 'smoke-1', 'smoke-2']);
    expect(registry.list({ status: 'active' }).map((d) => d.id)).toEqual(['gas-1', 'smoke-1']);
    expect(registry.list({ kind: 'smoke_detector' }).map((d) => d.id)).toEqual(['smoke-1', 'smoke-2']);
    expect(registry.list({ community: '320803001001', status: 'active' }).map((d) => d.id)).toEqual(['gas-1']);
    expect(JSON.stringify(registry.list())).not.toContain('scrypt');
  });

  it('refuses a filter that can match nothing by construction', async () => {
    const registry = openRegistry();
    expect((await failure(() => registry.list({ status: 'gone' }))).issues).toEqual([
      'status: expected one of "active", "retired", received string "gone"',
    ]);
  });
});

describe('DeviceRegistry: retiring and replacing', () => {
  it('retires a device: it stays known, as retired, and no password opens it again', async () => {
    const registry = openRegistry(path, () => new Date('2026-12-01T08:00:00.000Z'));
    const { password } = await registry.addDevice(smoke);
    const retired = registry.retire(smoke.id, 'burnt out');
    expect(retired).toMatchObject({
      status: 'retired',
      retiredAt: '2026-12-01T08:00:00.000Z',
      retiredReason: 'burnt out',
    });
    const record = registry.device(smoke.id);
    expect(record?.status).toBe('retired');
    expect(await verifyPassword(password, record?.passwordHash ?? '')).toBe(false);
    expect((await failure(() => registry.retire(smoke.id))).message).toBe(
      'device smoke-b3-u2-0401 was retired on 2026-12-01T08:00:00.000Z',
    );
    expect((await failure(() => registry.rotatePassword(smoke.id))).code).toBe('retired');
    expect((await failure(() => registry.retire('nobody'))).message).toBe('no device nobody in the registry');
  });

  it('never reuses a retired id, and the database itself refuses deleting or reviving it', async () => {
    const registry = openRegistry(path, () => new Date('2026-12-01T08:00:00.000Z'));
    await registry.addDevice(smoke);
    registry.retire(smoke.id);
    expect((await failure(() => registry.addDevice(smoke))).message).toBe(
      'device smoke-b3-u2-0401 was retired on 2026-12-01T08:00:00.000Z; a retired id is never reused: choose a new id',
    );
    const raw = new Database(path);
    try {
      expect(() => raw.prepare('DELETE FROM devices WHERE id = ?').run(smoke.id)).toThrow(
        'devices are retired, never deleted: their ids must never be reused',
      );
      expect(() =>
        raw.prepare("UPDATE devices SET status = 'active', retired_at = NULL WHERE id = ?").run(smoke.id),
      ).toThrow('a retired device stays retired');
    } finally {
      raw.close();
    }
  });

  it('replaces a device: old retired with replacedBy, new one active, kind and place inherited', async () => {
    const registry = openRegistry();
    const old = await registry.addDevice(smoke);
    const result = await registry.replace(smoke.id, { id: 'smoke-b3-u2-0401-b', notes: 'new unit' });
    expect(result.retired).toMatchObject({
      id: smoke.id,
      status: 'retired',
      replacedBy: 'smoke-b3-u2-0401-b',
      retiredReason: 'replaced by smoke-b3-u2-0401-b',
    });
    expect(result.device).toMatchObject({
      id: 'smoke-b3-u2-0401-b',
      kind: 'smoke_detector',
      status: 'active',
      place: { community: '320803001001', grid: '320803001001003', building: '3', unit: '2', floor: 4, room: '401' },
      notes: 'new unit',
    });
    expect(await verifyPassword(result.password, registry.device('smoke-b3-u2-0401-b')?.passwordHash ?? '')).toBe(true);
    expect(await verifyPassword(old.password, registry.device(smoke.id)?.passwordHash ?? '')).toBe(false);
  });

  it('replaces atomically: when retiring the old device fails, the new one is not added either', async () => {
    const registry = openRegistry();
    await registry.addDevice(smoke);
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER fail_retire BEFORE UPDATE OF replaced_by ON devices
              BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    raw.close();

    await expect(registry.replace(smoke.id, { id: 'smoke-new' })).rejects.toThrow('disk on fire');
    expect(registry.get('smoke-new')).toBeUndefined();
    expect(registry.device(smoke.id)?.status).toBe('active');
  });

  it('refuses a replacement onto a used id or from a device that is not active', async () => {
    const registry = openRegistry();
    await registry.addDevice(smoke);
    await registry.addDevice({ id: 'smoke-other', kind: 'smoke_detector' });
    expect((await failure(() => registry.replace(smoke.id, { id: 'smoke-other' }))).message).toBe(
      'device smoke-other already exists',
    );
    expect((await failure(() => registry.replace('nobody', { id: 'x-1' }))).message).toBe(
      'no device nobody in the registry',
    );
    expect(registry.device(smoke.id)?.status).toBe('active');
  });
});

describe('DeviceRegistry: credentials', () => {
  it('rotates a device password: the old one stops working, the new one works', async () => {
    const registry = openRegistry();
    const first = await registry.addDevice(smoke);
    const second = await registry.rotatePassword(smoke.id);
    const hash = registry.device(smoke.id)?.passwordHash ?? '';
    expect(await verifyPassword(first.password, hash)).toBe(false);
    expect(await verifyPassword(second.password, hash)).toBe(true);
  });

  it('adds service accounts with a role, password shown once', async () => {
    const registry = openRegistry();
    const { account, password } = await registry.addService('installer-zhang', 'installer');
    expect(account).toMatchObject({ username: 'installer-zhang', role: 'installer' });
    expect(await verifyPassword(password, registry.service('installer-zhang')?.passwordHash ?? '')).toBe(true);
    expect(registry.listServices().map((s) => s.username)).toEqual(['installer-zhang']);
    expect((await failure(() => registry.addService('installer-zhang', 'installer'))).message).toBe(
      'service account installer-zhang already exists',
    );
    expect((await failure(() => registry.addService('Admin', 'root'))).issues).toEqual([
      'username: a username is 1-63 of a-z, 0-9, "_", "." and "-", starting with a letter or digit (received string "Admin")',
      'role: expected one of "observer", "installer", received string "root"',
    ]);
  });

  it('shows changes made by another process (the CLI) to the running gateway at once', async () => {
    const gateway = openRegistry();
    const cli = openRegistry();
    expect(gateway.device('gas-9')).toBeUndefined();
    await cli.addDevice({ id: 'gas-9', kind: 'gas_detector' });
    expect(gateway.device('gas-9')?.status).toBe('active');
    cli.retire('gas-9');
    expect(gateway.device('gas-9')?.status).toBe('retired');
  });
});
