import { connect as netConnect } from 'node:net';
import { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice } from '../test-support.js';
import { capturingLogger, outcome, startTestBroker, type TestBroker } from './broker-test-support.js';
import { connectPacket, rawMqtt } from './raw-mqtt.js';

const PASSWORD = 'login-secret-1';
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** An MQTT client whose connection comes from `localAddress` (another host on the LAN, over loopback). */
function connectFrom(localAddress: string, port: number, clientId: string, password: string): Promise<MqttClient> {
  const client = new MqttClient(() => netConnect({ port, host: '127.0.0.1', localAddress }), {
    clientId,
    username: clientId,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

describe('bad logins cannot buy unbounded password hashing', () => {
  it('attack: a flood of wrong passwords from one address is refused without hashing, and a device elsewhere still connects', async () => {
    const directory = new InMemoryDirectory([
      await testDevice('th-1', 'temp_humidity', PASSWORD),
      await testDevice('th-2', 'temp_humidity', PASSWORD),
    ]);
    running = await startTestBroker(directory, { now: () => 0 }); // a frozen clock: the budget never refills
    const port = running.listeners.ports.tcp ?? 0;
    const flood = Array.from({ length: 200 }, (_, n) =>
      outcome(running?.connect({ clientId: 'th-1', username: 'th-1', password: `guess-${n}` }) ?? Promise.resolve()),
    );
    const device = await connectFrom('127.0.0.2', port, 'th-2', PASSWORD);
    expect(device.connected).toBe(true);
    device.end(true);
    const outcomes = await Promise.all(flood);
    expect(outcomes.filter((result) => result === 'connected')).toEqual([]);

    const refused = running.broker.refusals.snapshot();
    // Exactly the burst was hashed (guesses from one address wait for each other, so none
    // overspends it); everything after was refused before the hash.
    expect(refused['connect:wrong_password']).toBe(10);
    expect((refused['connect:wrong_password'] ?? 0) + (refused['connect:throttled'] ?? 0)).toBe(200);
    // The throttle answers "server unavailable", so a device retries later rather than giving up.
    const late = await rawMqtt(port);
    late.send(connectPacket({ clientId: 'th-1', username: 'th-1', password: 'guess-late' }));
    expect(await late.connack()).toBe(3);
    late.socket.destroy();
  });

  it('a reconnect storm of good logins from one address (a NAT) waits its turn and is never refused', async () => {
    const devices = await Promise.all(
      Array.from({ length: 40 }, (_, n) => testDevice(`th-${n}`, 'temp_humidity', PASSWORD)),
    );
    running = await startTestBroker(new InMemoryDirectory(devices), { now: () => 0 });
    const outcomes = await Promise.all(
      devices.map((device) =>
        outcome(
          running?.connect({ clientId: device.id, username: device.id, password: PASSWORD }) ?? Promise.resolve(),
        ),
      ),
    );
    expect(outcomes.filter((result) => result !== 'connected')).toEqual([]);
  });
});

describe('unauthenticated connects with made-up client ids', () => {
  it('attack: random client ids cannot grow the refusal memory or flood the log', async () => {
    const { logger, lines } = capturingLogger();
    running = await startTestBroker(new InMemoryDirectory(), {
      logger,
      now: () => 0,
      refusalLogLimits: { maxTracked: 50, linesPerMinute: 20 },
    });
    const port = running.listeners.ports.tcp ?? 0;
    for (let wave = 0; wave < 6; wave++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, n) => {
          const client = await rawMqtt(port);
          client.send(
            connectPacket({ clientId: `random-${wave}-${n}`, username: `nobody-${wave}-${n}`, password: 'x' }),
          );
          await client.connack();
          client.socket.destroy();
        }),
      );
    }
    expect(running.broker.refusals.snapshot()['connect:unknown_user']).toBe(300);
    expect(running.broker.refusals.tracked).toBeLessThanOrEqual(50);
    expect(lines.filter((line) => line.msg.startsWith('refused connect')).length).toBeLessThanOrEqual(20);
  });
});
