import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, REGISTRY_APPLICATION_ID } from '../registry/migrations.js';
import { DeviceRegistry, RegistryError } from '../registry/registry.js';

let dir: string;
let path: string;
const open: DeviceRegistry[] = [];
const operator = { username: 'cli:li', role: 'cli', address: 'local' } as const;

function openRegistry(): DeviceRegistry {
  const registry = DeviceRegistry.open(path, { now: () => new Date('2026-12-06T08:00:00.000Z') });
  open.push(registry);
  return registry;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-grants-'));
  path = join(dir, 'data', 'registry.db');
});
afterEach(async () => {
  for (const registry of open.splice(0)) registry.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(call: () => unknown): Promise<RegistryError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

async function siteRegistry() {
  const registry = openRegistry();
  await registry.addDevices([
    { id: 'wm-1', kind: 'water_meter' },
    { id: 'wm-2', kind: 'water_meter' },
    { id: 'th-ext-1', kind: 'temp_humidity' },
  ]);
  registry.retire('wm-2', 'removed');
  return registry;
}

describe('integrator grants in the registry', () => {
  it('migration from version 5 keeps existing accounts, their passwords and roles, and takes integrators', async () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const raw = new Database(path);
    raw.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
    raw.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    for (const migration of MIGRATIONS.slice(0, 5)) {
      if (migration.sql) raw.exec(migration.sql);
      raw.prepare("INSERT INTO schema_version VALUES (?, '2026-10-01T00:00:00.000Z')").run(migration.version);
    }
    raw
      .prepare(
        "INSERT INTO service_accounts VALUES ('console', 'observer', 'scrypt$kept-1', '2026-10-01T00:00:00.000Z'), ('installer-li', 'installer', 'scrypt$kept-2', '2026-10-02T00:00:00.000Z')",
      )
      .run();
    raw.close();

    const registry = openRegistry();
    expect(registry.listServices()).toEqual([
      { username: 'console', role: 'observer', createdAt: '2026-10-01T00:00:00.000Z' },
      { username: 'installer-li', role: 'installer', createdAt: '2026-10-02T00:00:00.000Z' },
    ]);
    expect(registry.service('installer-li')?.passwordHash).toBe('scrypt$kept-2');
    await registry.addService('nodered', 'integrator');
    expect(registry.service('nodered')).toMatchObject({
      role: 'integrator',
      grants: { commandDevices: [], commandKinds: [], ingestDevices: [] },
    });
    // The rebuilt table keeps its rules: an unknown role is refused by the database itself.
    const check = new Database(path);
    try {
      expect(() =>
        check.prepare("INSERT INTO service_accounts VALUES ('x', 'admin', 'h', '2026-12-06T00:00:00.000Z')").run(),
      ).toThrow(/CHECK constraint failed/);
      expect(check.prepare('SELECT max(version) FROM schema_version').pluck().get()).toBe(6);
    } finally {
      check.close();
    }
  });

  it('grants name devices that exist and are active and kinds that exist; each error names the field and the fix', async () => {
    const registry = await siteRegistry();
    const error = await failure(() =>
      registry.addService('nodered', 'integrator', {
        commandDevices: ['wm-9', 'wm-2'],
        commandKinds: ['water-meter'],
        ingestDevices: ['th-ext-2'],
      }),
    );
    expect(error.summary).toBe('invalid grants');
    expect(error.issues).toEqual([
      'command-devices: no device wm-9 in the registry; register it first (device add), or check the id (device list)',
      'command-devices: device wm-2 is retired; grant its successor instead',
      expect.stringMatching(/^command-kinds: "water-meter" is not a device kind; the kinds are .*water_meter/),
      'ingest-devices: no device th-ext-2 in the registry; register it first (device add), or check the id (device list)',
    ]);
    expect(registry.service('nodered')).toBeUndefined(); // nothing half-made
    expect(
      (await failure(() => registry.addService('viewer', 'observer', { commandKinds: ['water_meter'] }))).message,
    ).toBe('only an integrator takes grants; viewer would be observer: use --role integrator, or drop the grants');
  });

  it('every grant change goes to the audit log, with who made it', async () => {
    const registry = await siteRegistry();
    await registry.addService('nodered', 'integrator', { commandDevices: ['wm-1'] }, operator);
    registry.grant('nodered', { commandKinds: ['water_meter'], ingestDevices: ['th-ext-1'] }, operator);
    registry.revoke('nodered', { commandDevices: ['wm-1'] }, operator);
    expect(registry.service('nodered')?.grants).toEqual({
      commandDevices: [],
      commandKinds: ['water_meter'],
      ingestDevices: ['th-ext-1'],
    });
    expect(
      registry
        .auditLog()
        .reverse()
        .map(({ username, role, action, target, detail }) => ({ username, role, action, target, detail })),
    ).toEqual([
      {
        ...{ username: 'cli:li', role: 'cli', action: 'service.add', target: 'nodered' },
        detail: 'integrator; command devices: wm-1; command kinds: (none); ingest devices: (none)',
      },
      {
        ...{ username: 'cli:li', role: 'cli', action: 'service.grant', target: 'nodered' },
        detail:
          'command-kinds water_meter; ingest-devices th-ext-1 → command devices: wm-1; command kinds: water_meter; ingest devices: th-ext-1',
      },
      {
        ...{ username: 'cli:li', role: 'cli', action: 'service.revoke', target: 'nodered' },
        detail: 'command-devices wm-1 → command devices: (none); command kinds: water_meter; ingest devices: th-ext-1',
      },
    ]);
  });

  it('refuses to revoke a grant not held, to grant nothing, and to grant to an account that is not an integrator', async () => {
    const registry = await siteRegistry();
    await registry.addService('nodered', 'integrator', { commandDevices: ['wm-1'] });
    await registry.addService('console', 'observer');
    expect((await failure(() => registry.revoke('nodered', { ingestDevices: ['th-ext-1'] }))).message).toBe(
      'nodered does not hold ingest-devices th-ext-1: it holds command devices: wm-1; command kinds: (none); ingest devices: (none)',
    );
    expect((await failure(() => registry.grant('nodered', {}))).message).toBe(
      'nothing to grant: give --command-devices, --command-kinds and/or --ingest-devices',
    );
    expect((await failure(() => registry.grant('console', { commandDevices: ['wm-1'] }))).message).toBe(
      'console is an observer account: only an integrator takes grants; add an integrator account (service add --role integrator)',
    );
    expect((await failure(() => registry.grant('nobody', { commandDevices: ['wm-1'] }))).message).toBe(
      'no service account nobody; add it with service add --role integrator',
    );
    expect(registry.service('nodered')?.grants?.commandDevices).toEqual(['wm-1']);
  });
});
