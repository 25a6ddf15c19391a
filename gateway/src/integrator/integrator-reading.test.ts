import { BRIDGE_COMMANDS } from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { closed, type IntegratorSite, inbox, request, startIntegratorSite } from './integrator-test-support.js';

let site: IntegratorSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

describe('what an integrator may read and request', () => {
  it('devices/list answers observers and integrators with each device’s kind, place, tags and status, never a secret', async () => {
    site = await startIntegratorSite({});
    site.registry.retire('wm-3-2-502', 'replaced');
    for (const client of [await site.integrator(), await site.observer(), await site.installer()]) {
      const response = await request(client, 'devices/list');
      expect(response.status).toBe('ok');
      const data = BRIDGE_COMMANDS['devices/list'].response.parse(response.data);
      expect(data.devices.map((device) => `${device.id} ${device.kind} ${device.status}`)).toEqual([
        'ac-3-2 access_control active',
        'th-pump-1 temp_humidity active',
        'wm-3-2-501 water_meter active',
        'wm-3-2-502 water_meter retired',
      ]);
      expect(data.devices.find((device) => device.id === 'wm-3-2-501')).toEqual({
        id: 'wm-3-2-501',
        kind: 'water_meter',
        status: 'active',
        place: { community: '320803001001', building: '3', unit: '2', floor: 5, room: '501' },
        tags: ['elderly_alone'],
      });
      expect(JSON.stringify(response)).not.toMatch(/password|scrypt/i);
    }
  });

  it('an integrator cannot publish bridge requests other than devices/list, nor "$" topics, nor other devices\' topics', async () => {
    site = await startIntegratorSite({ commandKinds: ['water_meter'], ingestDevices: ['th-pump-1'] });
    const refused = [
      'gridlink/bridge/request/outbox/resend',
      'gridlink/bridge/request/rules/list',
      'gridlink/bridge/request/device/add',
      '$SYS/broker/x',
      'gridlink/bridge/state',
      'gridlink/bridge/dead_letter/th-pump-1',
      'gridlink/alert/no_water_12h/wm-3-2-501',
      'gridlink/th-pump-1/set',
      'other/wm-3-2-501/set',
    ];
    for (const topic of refused) {
      const flow = await site.integrator();
      const cut = closed(flow);
      await flow.publishAsync(topic, '{}');
      await cut;
    }
    const counts = site.broker.broker.refusals.snapshot();
    expect((counts['publish:acl_denied'] ?? 0) + (counts['publish:system_topic'] ?? 0)).toBe(refused.length);
  });

  it("an integrator reads the site like an observer, but not other services' bridge requests and responses", async () => {
    site = await startIntegratorSite({});
    const flow = await site.integrator();
    const seen = inbox(flow);
    await flow.subscribeAsync('gridlink/#', { qos: 1 });
    // An explicit subscription to an installer's exchange is refused (SUBACK failure), the connection kept.
    await expect(flow.subscribeAsync('gridlink/bridge/response/outbox/quarantined', { qos: 1 })).rejects.toThrow(
      'Subscribe error',
    );

    const installer = await site.installer();
    await installer.publishAsync('gridlink/bridge/request/outbox/quarantined', '{"transaction":"i-1"}', { qos: 1 });
    await site.broker.publisher.publish('gridlink/bridge/response/outbox/quarantined', {
      status: 'ok',
      data: { events: [] },
      transaction: 'i-1',
    });
    const meter = await site.device('wm-3-2-501');
    await meter.publishAsync('gridlink/wm-3-2-501', '{"total_volume":12.5}', { qos: 1, retain: true });
    await expect.poll(() => seen).toContain('gridlink/wm-3-2-501 {"total_volume":12.5}');
    expect(seen.filter((line) => line.includes('outbox'))).toEqual([]);
    // Its own kind of exchange it does see.
    expect((await request(flow, 'devices/list')).status).toBe('ok');
    expect(flow.connected).toBe(true);
  });

  it('an observer may request devices/list but still nothing that changes the site; an installer keeps its rights', async () => {
    site = await startIntegratorSite({});
    const observer = await site.observer();
    const cut = closed(observer);
    await observer.publishAsync('gridlink/bridge/request/outbox/resend', '{}');
    await cut;
    const installer = await site.installer();
    await installer.publishAsync('gridlink/bridge/request/outbox/resend', '{}', { qos: 1 });
    expect((await request(installer, 'devices/list')).status).toBe('ok');
    expect(installer.connected).toBe(true);
  });
});
