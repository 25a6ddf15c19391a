import { testServices, testTopicPrefix } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
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
});
