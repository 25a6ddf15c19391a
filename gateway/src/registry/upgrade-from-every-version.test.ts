import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../credentials/password.js';
import { migrate } from '../storage/migrate.js';
import { testDataDir } from '../test-support.js';
import { MIGRATIONS, REGISTRY_APPLICATION_ID } from './migrations.js';
import { DeviceRegistry } from './registry.js';

const AT = '2025-03-01T08:00:00.000Z';
const PASSWORD = 'device-password-of-an-earlier-release';

/** Rows an installer's earlier gateway wrote, each in the schema of the version that made the table. */
const WRITTEN_AT: Record<number, (db: Database.Database, hash: string) => void> = {
  1: (db, hash) => {
    db.prepare(
      `INSERT INTO devices (id, kind, password_hash, community, grid, building, unit, floor, room, notes, created_at)
       VALUES ('smoke-b3-u2-0401', 'smoke_detector', ?, '320803001001', '320803001001001', '3', '2', -1, '0401', '地下室', ?)`,
    ).run(hash, AT);
    db.prepare(
      "INSERT INTO service_accounts (username, role, password_hash, created_at) VALUES ('nodered', 'observer', ?, ?)",
    ).run(hash, AT);
  },
  2: (db, hash) => {
    db.prepare(
      `INSERT INTO devices (id, kind, password_hash, community, created_at, tags)
       VALUES ('door-1', 'door_contact', ?, '320803001001', ?, '["elderly_alone","pump-room"]')`,
    ).run(hash, AT);
  },
  4: (db) => {
    db.prepare(
      "INSERT INTO console_audit (at, username, role, address, action, target) VALUES (?, 'installer', 'installer', '127.0.0.1', 'device.add', 'door-1')",
    ).run(AT);
  },
  5: (db) => {
    db.prepare("INSERT INTO device_first_seen (device_id, first_seen_at) VALUES ('smoke-b3-u2-0401', ?)").run(AT);
  },
};

/** What each earlier write must still read as through the registry of this release. */
const READ_BACK: Record<number, (registry: DeviceRegistry) => Promise<void>> = {
  1: async (registry) => {
    expect(registry.get('smoke-b3-u2-0401')).toMatchObject({
      kind: 'smoke_detector',
      status: 'active',
      place: { community: '320803001001', grid: '320803001001001', building: '3', unit: '2', floor: -1, room: '0401' },
      notes: '地下室',
    });
    const device = registry.device('smoke-b3-u2-0401');
    expect(await verifyPassword(PASSWORD, device?.passwordHash ?? '')).toBe(true);
    expect(registry.service('nodered')).toMatchObject({ role: 'observer' });
  },
  2: async (registry) => {
    // Version 3 converted the tag rule selectors could never name.
    expect(registry.get('door-1')?.tags).toEqual(['elderly_alone', 'pump_room']);
  },
  4: async (registry) => {
    expect(registry.auditLog()).toEqual([expect.objectContaining({ action: 'device.add', target: 'door-1' })]);
  },
  5: async (registry) => {
    expect(registry.firstSeen()).toEqual(new Map([['smoke-b3-u2-0401', AT]]));
  },
};

describe("the device registry upgraded from each earlier version (this release's code opening the file)", () => {
  it.each(MIGRATIONS.map((migration) => migration.version))(
    'from version %i, with the data each earlier version wrote',
    async (version) => {
      const file = join(testDataDir(), 'registry.db');
      const hash = await hashPassword(PASSWORD);
      const db = new Database(file);
      db.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
      db.pragma('journal_mode = WAL');
      for (const migration of MIGRATIONS.filter((m) => m.version <= version)) {
        migrate(db, file, { name: 'registry', migrations: MIGRATIONS.filter((m) => m.version <= migration.version) });
        WRITTEN_AT[migration.version]?.(db, hash);
      }
      db.close();

      const registry = DeviceRegistry.open(file);
      try {
        for (const [written, check] of Object.entries(READ_BACK)) {
          if (Number(written) <= version) await check(registry);
        }
        // And it works as a registry of this release: a device added beside the old ones.
        await registry.addDevice({ id: 'gas-1', kind: 'gas_detector' });
        expect(registry.list().map((device) => device.id)).toContain('gas-1');
      } finally {
        registry.close();
      }
      expect(DeviceRegistry.schemaVersion).toBe(MIGRATIONS[MIGRATIONS.length - 1]?.version);
    },
  );
});
