import { DeviceId } from '@gridlink/protocol';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice, testService } from '../test-support.js';
import { outcome, startTestBroker, type TestBroker } from './broker-test-support.js';

const PASSWORD = 'session-secret-1';
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start() {
  const directory = new InMemoryDirectory(
    [await testDevice('wm-1', 'water_meter', PASSWORD)],
    [
      await testService('observer', 'observer', PASSWORD),
      await testService('ops', 'observer', PASSWORD),
      await testService('ops-night', 'observer', PASSWORD),
    ],
  );
  running = await startTestBroker(directory);
  return running;
}

const received = (client: MqttClient) => {
  const messages: string[] = [];
  client.on('message', (topic, payload) => messages.push(`${topic} ${payload.toString()}`));
  return messages;
};

const closeCommand = 'gridlink/wm-1/set {"valve":"close"}';

describe('MQTT sessions belong to one principal', () => {
  it("attack: an observer connecting with a device's client id cannot take its session or its queued commands", async () => {
    const { connect, publisher, broker } = await start();
    const meter = { clientId: 'wm-1', username: 'wm-1', password: PASSWORD, clean: false } as const;
    const first = await connect(meter);
    await first.subscribeAsync('gridlink/wm-1/set', { qos: 1 });
    await first.endAsync();
    // While the meter is away, the gateway queues a command in its session.
    await publisher.publish('gridlink/wm-1/set', { valve: 'close' }, { qos: 1 });

    expect(await outcome(connect({ clientId: 'wm-1', username: 'observer', password: PASSWORD, clean: false }))).toBe(
      'Connection refused: Bad username or password',
    );
    expect(broker.refusals.snapshot()['connect:client_id_mismatch']).toBe(1);

    // The meter gets its command, and an observer trying again while it is online does not kick it off.
    const back = await connect(meter);
    const commands = received(back);
    await expect.poll(() => commands).toEqual([closeCommand]);
    await outcome(connect({ clientId: 'wm-1', username: 'observer', password: PASSWORD, clean: false }));
    expect(back.connected).toBe(true);
    expect(broker.aedes.connectedClients).toBe(1);
  });

  it('attack: a service session cannot be taken by another service whose reserved prefix overlaps it', async () => {
    const { connect, publisher } = await start();
    // svc-ops-night-1 is a valid id both for "ops" (suffix night-1) and for "ops-night" (suffix 1).
    const night = await connect({
      clientId: 'svc-ops-night-1',
      username: 'ops-night',
      password: PASSWORD,
      clean: false,
    });
    await night.subscribeAsync('gridlink/wm-1', { qos: 1 });
    const seen = received(night);

    expect(
      await outcome(connect({ clientId: 'svc-ops-night-1', username: 'ops', password: PASSWORD, clean: false })),
    ).toBe('Connection refused: Not authorized');
    expect(night.connected).toBe(true);
    await night.endAsync();
    // Nor after it went away: its stored subscriptions stay its own.
    expect(
      await outcome(connect({ clientId: 'svc-ops-night-1', username: 'ops', password: PASSWORD, clean: false })),
    ).toBe('Connection refused: Not authorized');
    await publisher.publish('gridlink/wm-1', { valve: 'open' }, { qos: 1 });
    const again = await connect({
      clientId: 'svc-ops-night-1',
      username: 'ops-night',
      password: PASSWORD,
      clean: false,
    });
    const resumed = received(again);
    await expect.poll(() => resumed).toEqual(['gridlink/wm-1 {"valve":"open"}']);
    expect(seen).toEqual([]);
  });

  it("attack: a device cannot take a service's client id, nor be registered under the service prefix", async () => {
    const { connect } = await start();
    expect(await outcome(connect({ clientId: 'svc-observer', username: 'wm-1', password: PASSWORD }))).toBe(
      'Connection refused: Bad username or password',
    );
    expect(DeviceId.safeParse('svc-observer').success).toBe(false);
    // Services connect with their own prefix.
    expect(await outcome(connect({ clientId: 'svc-observer', username: 'observer', password: PASSWORD }))).toBe(
      'connected',
    );
    expect(await outcome(connect({ clientId: 'svc-observer-2', username: 'observer', password: PASSWORD }))).toBe(
      'connected',
    );
    expect(await outcome(connect({ clientId: 'observer-2', username: 'observer', password: PASSWORD }))).toBe(
      'Connection refused: Bad username or password',
    );
  });
});
