import { afterEach, describe, expect, it } from 'vitest';
import { closed, deadLetters, type IntegratorSite, inbox, startIntegratorSite } from './integrator-test-support.js';

let site: IntegratorSite | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

describe('an integrator brings third-party sensors in as registered devices', () => {
  it("an integrator publishes as its ingest device and the reading is validated like a device's", async () => {
    site = await startIntegratorSite({ ingestDevices: ['th-pump-1'] });
    const watcher = await site.observer();
    const seen = inbox(watcher);
    const letters = deadLetters(watcher);
    await watcher.subscribeAsync('gridlink/#', { qos: 1 });
    const flow = await site.integrator();

    await flow.publishAsync('gridlink/th-pump-1', '{"temperature":21.5,"humidity":48.2}', { qos: 1, retain: true });
    await flow.publishAsync('gridlink/th-pump-1/availability', '{"state":"online"}', { qos: 1, retain: true });
    // Out of the profile's range: acknowledged, routed nowhere, dead-lettered with the profile's reason.
    await flow.publishAsync('gridlink/th-pump-1', '{"temperature":500}', { qos: 1, retain: true });
    await expect.poll(() => letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ topic: 'gridlink/th-pump-1', payload: '{"temperature":500}' });
    expect(letters[0]?.error).toMatch(/temperature/);

    // The same path as a device's own messages: on the gateway's bus, with the registered device.
    expect(site.accepted.map(({ device, message }) => `${device.id} ${message.type}`)).toEqual([
      'th-pump-1 state',
      'th-pump-1 availability',
    ]);
    expect(seen.filter((line) => line.startsWith('gridlink/th-pump-1'))).toEqual([
      'gridlink/th-pump-1 {"temperature":21.5,"humidity":48.2}',
      'gridlink/th-pump-1/availability {"state":"online"}',
    ]);
    // The invalid reading was not retained: a new reader gets the last valid state.
    const late = await site.observer();
    const retained = inbox(late);
    await late.subscribeAsync('gridlink/th-pump-1', { qos: 1 });
    await expect.poll(() => retained).toEqual(['gridlink/th-pump-1 {"temperature":21.5,"humidity":48.2}']);
    expect(flow.connected).toBe(true);
  });

  it('an integrator cannot publish as a device it has no ingest grant for, not even one it may command', async () => {
    site = await startIntegratorSite({ ingestDevices: ['th-pump-1'], commandDevices: ['wm-3-2-501'] });
    for (const topic of ['gridlink/wm-3-2-501', 'gridlink/wm-3-2-502/event/reading', 'gridlink/ac-3-2/availability']) {
      const flow = await site.integrator();
      const cut = closed(flow);
      await flow.publishAsync(topic, '{"state":"offline"}');
      await cut;
    }
    expect(site.accepted).toEqual([]);
    expect(site.broker.broker.refusals.snapshot()['publish:acl_denied']).toBe(3);
  });

  it('an ingest grant ends when its device is retired', async () => {
    site = await startIntegratorSite({ ingestDevices: ['th-pump-1'] });
    const flow = await site.integrator();
    site.registry.retire('th-pump-1', 'vendor contract ended');
    const cut = closed(flow);
    await flow.publishAsync('gridlink/th-pump-1', '{"temperature":21.5}');
    await cut;
    expect(site.accepted).toEqual([]);
  });
});
