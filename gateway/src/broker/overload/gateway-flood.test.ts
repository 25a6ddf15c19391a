import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { FLOOD_TOPIC, sampleWhere, slowSubscriber, startBrokerChild, startFlood } from './flood-scenario.js';

// Mirrors FLOOD_DEVICE / FLOOD_OBSERVER in the fixture (not imported: importing it would start a gateway here).
const device = { clientId: 't', auth: { username: 't', password: 'flood-device-secret' } };
const observer = { username: 'console', password: 'flood-observer-secret' };
const fixture = fileURLToPath(new URL('./gateway-flood.fixture.ts', import.meta.url));

describe('the full gateway under the aedes 1.2.0 overload scenario (child process)', () => {
  it('keeps running after a valid QoS0 flood whose slow subscriber and publisher both disconnect, and still delivers', async () => {
    const broker = await startBrokerChild('gateway', { fixture });
    try {
      const subscriber = await slowSubscriber(broker.port, 'svc-console-1', 10, 0, FLOOD_TOPIC, observer);
      const flood = await startFlood(broker.port, 0, { ...device, payload: Buffer.from('{"temperature":21.5}') });
      // Flooded until the gateway has taken 10,000 messages, however slow this machine is.
      const flooded = await sampleWhere(broker, (sample) => (sample.valid ?? 0) >= 10_000, 60_000);
      expect(flooded, 'the gateway took 10,000 flood messages').toBeDefined();
      subscriber.close(); // the subscription goes while the backlog is there (bare aedes dies here)
      await sampleWhere(broker, (sample) => sample.clients === 1, 30_000);
      const sent = flood.stop();
      // Sampled twice after both clients left (bare aedes dies within ~60 ms of the disconnects).
      const gone = await sampleWhere(broker, (sample) => sample.clients === 0, 30_000);
      await sampleWhere(broker, (sample) => gone !== undefined && sample.t >= gone.t + 500, 30_000);
      expect(broker.exitedYet() ? broker.stderr() : 'running').toBe('running');
      expect(gone, 'both clients left').toBeDefined();
      expect(sent).toBeGreaterThan(10_000);

      const url = `mqtt://127.0.0.1:${broker.port}`;
      const watcher = await mqtt.connectAsync(url, { clientId: 'svc-console-2', ...observer, reconnectPeriod: 0 });
      // Messages of the flood may still be on their way to it (a busy machine drains the backlog
      // slowly): what counts is that a new message gets through.
      const got = new Promise<string>((resolve) =>
        watcher.on('message', (_t, payload) => {
          if (payload.toString() === '{"humidity":40}') resolve(payload.toString());
        }),
      );
      await watcher.subscribeAsync(FLOOD_TOPIC, { qos: 1 });
      const again = await mqtt.connectAsync(url, { clientId: device.clientId, ...device.auth, reconnectPeriod: 0 });
      await again.publishAsync(FLOOD_TOPIC, '{"humidity":40}', { qos: 1 });
      expect(await got).toBe('{"humidity":40}');
      await Promise.all([watcher.endAsync(), again.endAsync()]);
      const last = broker.samples.at(-1);
      expect(last?.peakRssMB).toBeLessThan(400);
    } finally {
      broker.kill();
    }
  }, 60_000);
});
