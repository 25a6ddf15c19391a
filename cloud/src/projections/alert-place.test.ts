import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { BACKENDS, useTestCloud } from '../test-support.js';
import { withInstalledPlace, withInstalledPlaces } from './alert-place.js';

const alert = (device: string, place?: Record<string, unknown>): CloudEvent =>
  createCloudEvent({
    id: `al-1.raised.${device}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: 'gw-place',
    deviceId: device,
    time: '2026-11-25T08:00:00.000Z',
    priority: 'alarm',
    data: {
      alert_id: `al-${device}`,
      rule_id: 'smoke.alarm',
      device_id: device,
      state: 'active',
      severity: 'critical',
      category: 'emergency.fire',
      since: '2026-11-25T08:00:00.000Z',
      last_seen: '2026-11-25T08:00:00.000Z',
      occurrences: 1,
      message: { zh: '烟感报警', en: 'Smoke alarm' },
      ...(place ? { place } : {}),
    },
  } as never);

describe.each(BACKENDS)('the place of an alert (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  let territory: TerritoryStore;
  beforeAll(async () => {
    territory = new TerritoryStore(cloud().db);
    await seedFixtureTerritory(territory);
    await territory.placeDevice({
      gatewayId: 'gw-place',
      deviceId: 'smoke-b3-u2-0401',
      grid: FIXTURE.grids[0],
      building: '3',
      unit: '2',
      floor: 4,
      installedAt: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('is where the device was installed, as the cloud recorded it, over what the gateway said', async () => {
    const enriched = await withInstalledPlace(territory, alert('smoke-b3-u2-0401', { community: '320803001001' }));
    expect((enriched.data as { place: unknown }).place).toEqual({
      community: FIXTURE.community,
      grid: FIXTURE.grids[0],
      building: '3',
      unit: '2',
      floor: 4,
    });
  });

  it('is the gateway’s own record for a device the cloud has no placement of', async () => {
    const event = alert('smoke-unplaced', { community: '320803001001', building: '7' });
    expect(await withInstalledPlace(territory, event)).toBe(event);
  });

  it('is found for a whole batch in one query, each event in its place and order', async () => {
    const placed = alert('smoke-b3-u2-0401', { community: '320803001001' });
    const unplaced = alert('smoke-unplaced', { community: '320803001001', building: '7' });
    const before = { ...alert('smoke-b3-u2-0401'), time: '2025-12-31T23:59:59.000Z' } as CloudEvent;
    const state = { ...placed, type: 'cn.gridlink.device.state.v1' } as CloudEvent;
    const events = [unplaced, placed, state, before];
    const enriched = await withInstalledPlaces(cloud().db, events);
    expect(enriched).toHaveLength(4);
    expect(enriched[0]).toBe(unplaced);
    expect(enriched[1]).toEqual(await withInstalledPlace(territory, placed));
    expect(enriched[1]?.data).toMatchObject({ place: { grid: FIXTURE.grids[0] } });
    expect(enriched[2]).toBe(state);
    // Before its installation the device was not there yet.
    expect(enriched[3]).toBe(before);
  });
});
