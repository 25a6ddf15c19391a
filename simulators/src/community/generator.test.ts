import { DEVICE_KINDS, DeviceId, Place } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { cloudPlacements, kindCounts, registryCsv } from './exports.js';
import { generateCommunity, SMALL_COMMUNITY } from './generator.js';

describe('the community generator', () => {
  const community = generateCommunity();

  it('builds an urban community of about 500 households with a realistic device mix', () => {
    expect(community.households).toHaveLength(504);
    expect(community.units).toHaveLength(18);
    expect(community.grids).toEqual(['320803001001001', '320803001001002', '320803001001003']);
    const counts = kindCounts(community.devices);
    const elderly = community.households.filter((h) => h.elderlyAlone).length;
    const gas = community.households.filter((h) => h.gasKitchen).length;
    expect(elderly).toBeGreaterThan(20);
    expect(elderly).toBeLessThan(70);
    expect(counts).toMatchObject({
      smoke_detector: 504 + 18 * 14, // one per household and one per corridor floor
      gas_detector: gas,
      water_meter: 504,
      door_contact: elderly,
      emergency_button: elderly,
      elevator: 36, // 14 floors: two lifts per unit
      access_control: 18,
      high_altitude_camera: 6,
      hydrant_pressure: 7,
      water_leak: 2,
      manhole_cover: 12,
      fire_lane_camera: 3,
      perimeter_intrusion: 8,
      barrier_gate: 4,
      onvif_camera: 8,
    });
    // Every kind a gateway serves is there.
    expect(Object.keys(counts).sort()).toEqual(DEVICE_KINDS.filter((kind) => kind !== 'gateway').sort());
  });

  it('gives every device a unique valid id and a valid place, the elderly households tagged', () => {
    const ids = community.devices.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const device of community.devices) {
      expect(DeviceId.safeParse(device.id).success, device.id).toBe(true);
      expect(Place.safeParse(device.place).success, device.id).toBe(true);
    }
    expect(community.devices.find((d) => d.id === 'smoke-b3-u2-0401')?.place).toEqual({
      community: '320803001001',
      grid: '320803001001002',
      building: '3',
      unit: '2',
      floor: 4,
      room: '0401',
    });
    for (const household of community.households.filter((h) => h.elderlyAlone)) {
      for (const prefix of ['wm', 'dc', 'sos'])
        expect(community.devices.find((d) => d.id === `${prefix}-${household.id}`)?.tags).toEqual(['elderly_alone']);
    }
  });

  it('is the same community for the same seed, another for another seed', () => {
    expect(generateCommunity()).toEqual(community);
    expect(generateCommunity({ seed: 7 }).households.map((h) => h.elderlyAlone)).not.toEqual(
      community.households.map((h) => h.elderlyAlone),
    );
  });

  it('exports the registry CSV and the cloud placements', () => {
    const small = generateCommunity(SMALL_COMMUNITY);
    expect(small.households).toHaveLength(72);
    const csv = registryCsv(small.devices).split('\n');
    expect(csv[0]).toBe('id,kind,community,grid,building,unit,floor,room,notes,tags');
    expect(csv).toContain('smoke-b2-u1-0302,smoke_detector,320803001001,320803001001002,2,1,3,0302,,');
    const elderly = small.households.find((h) => h.elderlyAlone);
    expect(csv.filter((row) => row.endsWith(',elderly_alone')).map((row) => row.split(',')[0])).toContain(
      `dc-${elderly?.id}`,
    );
    expect(csv).toHaveLength(small.devices.length + 2);
    const placements = cloudPlacements(small, 'gw-dev-001', new Date('2026-01-01T00:00:00Z'));
    expect(placements).toHaveLength(small.devices.length);
    expect(placements.find((p) => p.deviceId === 'cam-ha-b2')).toEqual({
      gatewayId: 'gw-dev-001',
      deviceId: 'cam-ha-b2',
      grid: '320803001001002',
      installedAt: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('says which option is wrong', () => {
    expect(() => generateCommunity({ floors: 0 })).toThrow('floors: expected a whole number ≥ 1, received 0');
    expect(() => generateCommunity({ community: '3208' })).toThrow('community: expected 12 digits, received "3208"');
  });
});
