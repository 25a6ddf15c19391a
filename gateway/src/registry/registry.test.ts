import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../credentials/password.js';
import type { Directory } from '../devices/directory.js';
import { MIGRATIONS, REGISTRY_APPLICATION_ID } from './migrations.js';
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
  it('creates the file (and its directory) private to its owner, in WAL mode, at the latest schema version', async () => {
    openRegistry();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_version').pluck().all()).toEqual([1, 2, 3, 4, 5, 6]);
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
      expect(raw.prepare('SELECT count(*) FROM schema_version').pluck().get()).toBe(6);
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
      `${path} has registry schema version 99, newer than this gateway understands (6): upgrade the gateway`,
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
      tags: [],
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

describe('DeviceRegistry: installer tags', () => {
  /** A registry file as a gateway of schema version 1 left it: one device, no tags column. */
  function writeVersion1Registry(): void {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const raw = new Database(path);
    try {
      raw.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
      raw.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
      raw.exec(MIGRATIONS[0]?.sql ?? '');
      raw.prepare("INSERT INTO schema_version VALUES (1, '2026-06-01T00:00:00.000Z')").run();
      raw
        .prepare(
          `INSERT INTO devices (id, kind, password_hash, community, building, floor, created_at)
           VALUES ('wm-b1-u1-0302', 'water_meter', 'scrypt$kept', '320803001001', '1', 3, '2026-06-01T00:00:00.000Z')`,
        )
        .run();
    } finally {
      raw.close();
    }
  }

  it('migrates a version 1 registry file in place: its devices stay, untagged, and can be tagged', () => {
    writeVersion1Registry();
    const registry = openRegistry();
    expect(registry.get('wm-b1-u1-0302')).toMatchObject({
      kind: 'water_meter',
      place: { community: '320803001001', building: '1', floor: 3 },
      tags: [],
    });
    expect(registry.device('wm-b1-u1-0302')?.passwordHash).toBe('scrypt$kept');
    expect(registry.addTags('wm-b1-u1-0302', ['elderly_alone']).tags).toEqual(['elderly_alone']);
    registry.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual([
        1, 2, 3, 4, 5, 6,
      ]);
    } finally {
      raw.close();
    }
    expect(openRegistry().device('wm-b1-u1-0302')?.tags).toEqual(['elderly_alone']);
  });

  /** A registry file as a gateway of schema version 2 left it, with tags in the older, wider format. */
  function writeVersion2Registry(devices: Array<{ id: string; tags: string[]; retired?: boolean }>): void {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const raw = new Database(path);
    try {
      raw.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
      raw.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
      for (const migration of MIGRATIONS.slice(0, 2)) raw.exec(migration.sql ?? '');
      raw
        .prepare("INSERT INTO schema_version VALUES (1, '2026-06-01T00:00:00.000Z'), (2, '2026-09-01T00:00:00.000Z')")
        .run();
      for (const device of devices) {
        raw
          .prepare(
            `INSERT INTO devices (id, kind, password_hash, tags, created_at) VALUES (?, 'water_meter', 'scrypt$kept', ?, '2026-09-01T00:00:00.000Z')`,
          )
          .run(device.id, JSON.stringify(device.tags));
        if (device.retired)
          raw
            .prepare("UPDATE devices SET status = 'retired', retired_at = '2026-10-01T00:00:00.000Z' WHERE id = ?")
            .run(device.id);
      }
    } finally {
      raw.close();
    }
  }

  it('migrates tags to the one format rules select: "-" becomes "_" on active devices; retired ones keep theirs', () => {
    writeVersion2Registry([
      { id: 'wm-1', tags: ['elderly_alone', 'pump-room', 'pump_room'] },
      { id: 'wm-2', tags: ['elderly_alone'] },
      { id: 'wm-3', tags: ['pump-room'], retired: true },
    ]);
    const registry = openRegistry();
    expect(registry.device('wm-1')?.tags).toEqual(['elderly_alone', 'pump_room']);
    expect(registry.device('wm-2')?.tags).toEqual(['elderly_alone']);
    expect(registry.get('wm-3')?.tags).toEqual(['pump-room']);
    expect(registry.list({ tag: 'pump_room' }).map((d) => d.id)).toEqual(['wm-1']);
  });

  it('refuses to migrate tags it cannot convert without guessing, naming each device and tag, and changes nothing', () => {
    writeVersion2Registry([
      { id: 'wm-1', tags: ['1st_floor', 'pump-room'] },
      { id: 'wm-2', tags: ['_x'] },
      { id: 'wm-3', tags: ['pump-room'] },
    ]);
    expect(() => DeviceRegistry.open(path)).toThrow(
      `${path}: tags must now start with a letter (a-z, then a-z, 0-9 and "_"), and these cannot be converted: device wm-1: 1st_floor; device wm-2: _x. ` +
        'Retag those devices with the previous gateway version (device untag / device tag), then start this one',
    );
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT max(version) FROM schema_version').pluck().get()).toBe(2);
      expect(raw.prepare("SELECT tags FROM devices WHERE id = 'wm-3'").pluck().get()).toBe('["pump-room"]');
    } finally {
      raw.close();
    }
  });

  it('stores tags distinct and sorted, and hands them to the broker’s Directory for rule selectors', async () => {
    const registry = openRegistry();
    const { device } = await registry.addDevice({
      id: 'wm-1',
      kind: 'water_meter',
      tags: ['pump_room', 'elderly_alone', 'pump_room'],
    });
    expect(device.tags).toEqual(['elderly_alone', 'pump_room']);
    expect(registry.device('wm-1')?.tags).toEqual(['elderly_alone', 'pump_room']);
    expect([...registry.activeDevices()].find((d) => d.id === 'wm-1')?.tags).toEqual(['elderly_alone', 'pump_room']);
    await registry.addDevice({ id: 'wm-2', kind: 'water_meter' });
    expect(registry.device('wm-2')).not.toHaveProperty('tags');
    expect(registry.get('wm-2')?.tags).toEqual([]);
  });

  it('adds and removes tags, refusing bad tags, more than 16 and a tag the device does not have', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'dc-1', kind: 'door_contact' });
    expect(registry.addTags('dc-1', ['elderly_alone', 'b2']).tags).toEqual(['b2', 'elderly_alone']);
    expect(registry.addTags('dc-1', ['elderly_alone']).tags).toEqual(['b2', 'elderly_alone']);
    expect(registry.removeTags('dc-1', ['b2']).tags).toEqual(['elderly_alone']);

    const bad = await failure(() => registry.addTags('dc-1', ['Elderly', '-x', 'ok']));
    expect(bad.summary).toBe('invalid tags for device dc-1');
    expect(bad.issues).toEqual([
      'tags: a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone) (received string "Elderly")',
      'tags: a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone) (received string "-x")',
    ]);
    expect((await failure(() => registry.addTags('dc-1', []))).issues).toEqual([
      'tags: expected at least 1 item, received a list of 0',
    ]);
    const many = Array.from({ length: 16 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    expect((await failure(() => registry.addTags('dc-1', many))).issues).toEqual([
      'tags: 17 different tags; a device has at most 16: remove some',
    ]);
    expect((await failure(() => registry.removeTags('dc-1', ['elderly_alon']))).message).toBe(
      'device dc-1 has no tag elderly_alon; its tags are elderly_alone',
    );
    expect((await failure(() => registry.addTags('nobody', ['x']))).message).toBe('no device nobody in the registry');
    expect(registry.get('dc-1')?.tags).toEqual(['elderly_alone']);
    expect(registry.setTags('dc-1', []).tags).toEqual([]);
  });

  it('keeps a device’s tags across replace unless new ones are given; a retired device’s tags stay fixed', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'wm-1', kind: 'water_meter', community: '320803001001', tags: ['elderly_alone'] });
    const kept = await registry.replace('wm-1', { id: 'wm-1b' });
    expect(kept.device.tags).toEqual(['elderly_alone']);
    expect(kept.retired.tags).toEqual(['elderly_alone']);
    const changed = await registry.replace('wm-1b', { id: 'wm-1c', tags: ['shared_meter'] });
    expect(changed.device.tags).toEqual(['shared_meter']);

    expect((await failure(() => registry.addTags('wm-1', ['x']))).code).toBe('retired');
    const raw = new Database(path);
    try {
      expect(() => raw.prepare(`UPDATE devices SET tags = '[]' WHERE id = 'wm-1'`).run()).toThrow(
        'a retired device keeps the tags it had',
      );
      expect(() => raw.prepare(`UPDATE devices SET tags = 'elderly_alone' WHERE id = 'wm-1c'`).run()).toThrow(
        /CHECK constraint failed/,
      );
    } finally {
      raw.close();
    }
  });

  it('lists the devices carrying a tag', async () => {
    const registry = openRegistry();
    await registry.addDevice({ id: 'wm-1', kind: 'water_meter', tags: ['elderly_alone'] });
    await registry.addDevice({ id: 'wm-2', kind: 'water_meter', tags: ['elderly_alone_x'] });
    await registry.addDevice({ id: 'dc-1', kind: 'door_contact', tags: ['b', 'elderly_alone'] });
    expect(registry.list({ tag: 'elderly_alone' }).map((d) => d.id)).toEqual(['dc-1', 'wm-1']);
    expect(registry.list({ tag: 'elderly_alone', kind: 'water_meter' }).map((d) => d.id)).toEqual(['wm-1']);
    expect((await failure(() => registry.list({ tag: 'Elderly' }))).issues).toEqual([
      'tag: a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone) (received string "Elderly")',
    ]);
  });

  it('shows tag changes made by another process (the CLI) to the running gateway at once', async () => {
    const gateway = openRegistry();
    const cli = openRegistry();
    await cli.addDevice({ id: 'dc-9', kind: 'door_contact' });
    expect(gateway.device('dc-9')).not.toHaveProperty('tags');
    cli.addTags('dc-9', ['elderly_alone']);
    expect(gateway.device('dc-9')?.tags).toEqual(['elderly_alone']);
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
      'role: expected one of "observer", "installer", "integrator", received string "root"',
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
