import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IN_MEMORY, migrate, openPglite, TerritoryStore } from '@gridlink/cloud';
import { DeviceRegistry, importDevicesCsv, registryPathIn } from '@gridlink/gateway';
import { cloudPlacements, generateCommunity, registryCsv, SMALL_COMMUNITY, territoryUnits } from '@gridlink/simulators';
import { afterAll, describe, expect, it } from 'vitest';

describe('the generated community imports into the gateway registry and the cloud’s device placement', () => {
  const community = generateCommunity(SMALL_COMMUNITY);
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-community-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the registry takes its CSV: every device with its place, its tags and a password of its own', async () => {
    const registry = DeviceRegistry.open(registryPathIn(dir));
    try {
      const issued = await importDevicesCsv(registry, registryCsv(community.devices));
      expect(issued).toHaveLength(community.devices.length);
      expect(new Set(issued.map((device) => device.password)).size).toBe(issued.length);
      expect(registry.get('smoke-b3-u2-0401')?.place).toEqual({
        community: '320803001001',
        grid: '320803001001003',
        building: '3',
        unit: '2',
        floor: 4,
        room: '0401',
      });
      expect(registry.get('smoke-b3-u2-f04')?.notes).toBe('corridor');
      // The elderly-alone households' meters and door contacts arrive tagged, for the elderly rules.
      const tagged = community.devices.filter((device) => device.tags?.includes('elderly_alone'));
      const elderly = community.households.filter((household) => household.elderlyAlone);
      expect(elderly.length).toBeGreaterThan(0);
      for (const household of elderly) {
        expect(registry.device(`wm-${household.id}`)?.tags).toEqual(['elderly_alone']);
        expect(registry.device(`dc-${household.id}`)?.tags).toEqual(['elderly_alone']);
      }
      expect(registry.list({ tag: 'elderly_alone' }).map((device) => device.id)).toEqual(
        tagged.map((device) => device.id).sort(),
      );
      expect(registry.get('smoke-b3-u2-0401')?.tags).toEqual([]);
    } finally {
      registry.close();
    }
  }, 60_000);

  it('the cloud takes its territory, building units and placements (embedded PostgreSQL)', async () => {
    const db = await openPglite(IN_MEMORY);
    try {
      await migrate(db);
      const territory = new TerritoryStore(db);
      await territory.upsertUnits(territoryUnits(community));
      await territory.upsertBuildings(community.units);
      const installedAt = new Date('2026-01-01T00:00:00.000Z');
      for (const placement of cloudPlacements(community, 'gw-dev-001', installedAt))
        await territory.placeDevice(placement);
      expect(await territory.buildings('320803001001')).toHaveLength(6);
      expect(await territory.placeOf('gw-dev-001', 'smoke-b3-u2-0401')).toMatchObject({
        grid: '320803001001003',
        community: '320803001001',
        building: '3',
        unit: '2',
        floor: 4,
      });
      expect(await territory.placeOf('gw-dev-001', 'mh-03')).toMatchObject({ grid: '320803001001001', building: null });
    } finally {
      await db.close();
    }
  }, 60_000);
});
