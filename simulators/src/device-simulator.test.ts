import { testServices, testTopicPrefix } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { DeviceSimulator } from './device-simulator.js';
import { seededRandom } from './random.js';

describe('a simulated device against a real Mosquitto', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('announces itself, reports state and events, and reflects commands into its state', async () => {
    const brokerUrl = testServices().mqtt.url;
    const base = `${testTopicPrefix()}/gridlink`;
    const watcher = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
    stops.push(() => watcher.endAsync(true));
    const seen: Array<[string, string]> = [];
    watcher.on('message', (topic, payload) => seen.push([topic, payload.toString()]));
    await watcher.subscribeAsync(`${base}/#`, { qos: 1 });

    const simulator = new DeviceSimulator({
      deviceId: 'gas-01',
      kind: 'gas_detector',
      password: 'unused-by-this-broker',
      brokerUrl,
      baseTopic: base,
      random: seededRandom(1),
      stateIntervalMs: 20,
      eventChance: 1,
    });
    stops.push(() => simulator.stop());
    await simulator.start();

    await expect.poll(() => seen.some(([topic]) => topic.startsWith(`${base}/gas-01/event/`))).toBe(true);
    expect(seen).toContainEqual([`${base}/gas-01/availability`, '{"state":"online"}']);

    await watcher.publishAsync(`${base}/gas-01/set`, '{"valve":"close"}', { qos: 1 });
    await expect
      .poll(() => seen.some(([topic, payload]) => topic === `${base}/gas-01` && JSON.parse(payload).valve === 'closed'))
      .toBe(true);

    await simulator.stop();
    await expect.poll(() => seen.at(-1)).toEqual([`${base}/gas-01/availability`, '{"state":"offline"}']);
  });

  it('faults on demand: a dropped connection fires the LWT, a skewed clock shows in ts, malformed payloads, a return', async () => {
    const brokerUrl = testServices().mqtt.url;
    const base = `${testTopicPrefix()}/gridlink`;
    const watcher = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
    stops.push(() => watcher.endAsync(true));
    const seen: Array<[string, string]> = [];
    watcher.on('message', (topic, payload) => seen.push([topic, payload.toString()]));
    await watcher.subscribeAsync(`${base}/#`, { qos: 1 });

    const clock = manualClock('2026-11-25T08:00:00.000Z');
    const meter = new DeviceSimulator({
      deviceId: 'wm-b1-u1-0101',
      kind: 'water_meter',
      password: 'unused-by-this-broker',
      brokerUrl,
      baseTopic: base,
      random: seededRandom(2),
      stateIntervalMs: 0,
      initialState: { total_volume: 1000, battery: 90 },
      now: clock,
    });
    stops.push(() => meter.stop());
    await meter.start();
    const reading = `${base}/wm-b1-u1-0101/event/reading`;
    await expect.poll(() => seen.filter(([topic]) => topic === reading).length).toBe(1);

    clock.advance(3600_000);
    meter.setClockSkew(-90_000);
    await meter.report();
    await expect.poll(() => seen.filter(([topic]) => topic === reading).length).toBe(2);
    const second = JSON.parse(seen.filter(([topic]) => topic === reading)[1]?.[1] ?? '{}');
    expect(second).toMatchObject({ ts: '2026-11-25T08:58:30.000Z', interval_s: 3600 });
    expect(second.interval_volume).toBeGreaterThan(0); // 16:00 in China: people use water

    await meter.sendMalformed();
    await expect
      .poll(() => seen.some(([topic, payload]) => topic === reading && payload.includes('"interval_s":0.5')))
      .toBe(true);

    const online = () =>
      seen.filter(([topic, payload]) => topic.endsWith('/availability') && payload.includes('online')).length;
    const onlineBefore = online();
    await meter.dropConnection();
    await expect.poll(() => seen.at(-1)).toEqual([`${base}/wm-b1-u1-0101/availability`, '{"state":"offline"}']);
    expect(meter.connected).toBe(false);
    await meter.reconnect();
    await expect.poll(online).toBe(onlineBefore + 1);
    expect(meter.connected).toBe(true);
  });

  it('refuses to send an event its profile does not allow, naming the field', async () => {
    const simulator = new DeviceSimulator({
      deviceId: 'smoke-b1-u1-0101',
      kind: 'smoke_detector',
      password: 'unused-by-this-broker',
      brokerUrl: testServices().mqtt.url,
      baseTopic: `${testTopicPrefix()}/gridlink`,
      random: seededRandom(1),
      stateIntervalMs: 0,
    });
    stops.push(() => simulator.stop());
    await simulator.start();
    await expect(simulator.emit('alarm', { smoke_density: 'thick' })).rejects.toThrow(
      /smoke-b1-u1-0101: .*smoke_density: expected number/,
    );
  });

  it('flaps: drops and comes back as often as told, each drop announced by the broker (LWT), each return by the device', async () => {
    const brokerUrl = testServices().mqtt.url;
    const base = `${testTopicPrefix()}/gridlink`;
    const watcher = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
    stops.push(() => watcher.endAsync(true));
    const availability: string[] = [];
    watcher.on('message', (_topic, payload) => availability.push(JSON.parse(payload.toString()).state));
    await watcher.subscribeAsync(`${base}/dc-b1-u1-0202/availability`, { qos: 1 });

    const contact = new DeviceSimulator({
      deviceId: 'dc-b1-u1-0202',
      kind: 'door_contact',
      password: 'unused-by-this-broker',
      brokerUrl,
      baseTopic: base,
      random: seededRandom(4),
      stateIntervalMs: 0,
    });
    stops.push(() => contact.stop());
    await contact.start();
    await expect.poll(() => availability).toEqual(['online']);
    let waits = 0;
    await contact.flap(3, async () => {
      waits++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(waits).toBe(6);
    await expect
      .poll(() => availability)
      .toEqual(['online', 'offline', 'online', 'offline', 'online', 'offline', 'online']);
  });
});
