import { testServices, testTopicPrefix } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { DeviceSimulator } from '../device-simulator.js';
import { seededRandom } from '../random.js';
import { localHour } from '../water-use.js';
import { residentsOf } from './population.js';
import { AccessControlTerminal } from './terminal.js';

describe('a unit-entrance access-control terminal with its residents', () => {
  const stops: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  it('over one simulated day: openings follow the time of day, with denials; every record on the wire', async () => {
    const base = `${testTopicPrefix()}/gridlink`;
    const watcher = await mqtt.connectAsync(testServices().mqtt.url, { reconnectPeriod: 0 });
    stops.push(() => watcher.endAsync(true));
    const wire: unknown[] = [];
    watcher.on('message', (_topic, payload) => wire.push(JSON.parse(payload.toString())));
    await watcher.subscribeAsync(`${base}/ac-b3-u2/event/+`, { qos: 1 });

    // Midnight in China (UTC+8).
    const clock = manualClock('2026-11-24T16:00:00.000Z');
    const device = new DeviceSimulator({
      deviceId: 'ac-b3-u2',
      kind: 'access_control',
      password: 'unused-by-this-broker',
      brokerUrl: testServices().mqtt.url,
      baseTopic: base,
      random: seededRandom(11),
      stateIntervalMs: 0,
      now: clock,
    });
    stops.push(() => device.stop());
    await device.start();
    const residents = residentsOf(seededRandom(11), 'ac-b3-u2', 28);
    expect(residents).toHaveLength(73);
    expect(residentsOf(seededRandom(11), 'ac-b3-u2', 28)).toEqual(residents); // stable for a seed

    const terminal = new AccessControlTerminal(device, residents, seededRandom(12), clock);
    for (let hour = 0; hour < 24; hour++) {
      clock.advance(3600_000);
      await terminal.advance();
    }
    const records = terminal.records;
    const perHour = Array.from({ length: 24 }, (_, h) => records.filter((r) => localHour(r.at) === h).length);
    const night = perHour.slice(1, 5).reduce((a, b) => a + b, 0);
    const morning = perHour.slice(7, 9).reduce((a, b) => a + b, 0);
    const evening = perHour.slice(17, 20).reduce((a, b) => a + b, 0);
    expect(night).toBeLessThan(3);
    expect(morning).toBeGreaterThan(20);
    expect(evening).toBeGreaterThan(20);
    const denied = records.filter((r) => r.fields.result === 'denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.length).toBeLessThan(records.length / 5);
    expect(new Set(records.map((r) => r.fields.method))).toEqual(new Set(['card', 'face', 'qr']));
    await expect.poll(() => wire.length).toBe(records.length);
  });
});
