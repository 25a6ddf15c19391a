import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalisedMessage } from '../bus.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../test-support.js';

const passwords = { smoke: 'pw-smoke-1', gas: 'pw-gas-1', retired: 'pw-old-1', observer: 'pw-observer-1' };
let gateway: Gateway;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  const directory = new InMemoryDirectory(
    [
      await testDevice('smoke-1', 'smoke_detector', passwords.smoke),
      await testDevice('gas-1', 'gas_detector', passwords.gas),
      await testDevice('smoke-old', 'smoke_detector', passwords.retired, 'retired'),
    ],
    [await testService('observer', 'observer', passwords.observer)],
  );
  gateway = new Gateway({ config: testGatewayConfig(), directory, logger: silentLogger() });
  await gateway.start();
  url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await gateway.stop();
});

async function connect(clientId: string, username?: string, password?: string) {
  const client = await mqtt.connectAsync(url, {
    clientId,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  clients.push(client);
  return client;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'connected',
    (err: Error) => err.message,
  );

describe('the gateway broker (real sockets)', () => {
  it('admits a device with its own credentials and client id', async () => {
    const client = await connect('smoke-1', 'smoke-1', passwords.smoke);
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong password, an unknown device, a retired device and a borrowed client id', async () => {
    expect(await refusal(connect('smoke-1', 'smoke-1', 'guess'))).toBe('Connection refused: Bad username or password');
    expect(await refusal(connect('nobody-1', 'nobody-1', 'x'))).toBe('Connection refused: Bad username or password');
    expect(await refusal(connect('smoke-old', 'smoke-old', passwords.retired))).toBe(
      'Connection refused: Not authorized',
    );
    expect(await refusal(connect('gas-1', 'smoke-1', passwords.smoke))).toBe(
      'Connection refused: Bad username or password',
    );
    expect(await refusal(connect('anon-1'))).toBe('Connection refused: Bad username or password');
    expect(gateway.stats().refused).toMatchObject({
      'connect:wrong_password': 1,
      'connect:unknown_user': 1,
      'connect:retired_device': 1,
      'connect:client_id_mismatch': 1,
      'connect:no_credentials': 1,
    });
  });

  it("refuses a device publishing to another device's topic, and counts it", async () => {
    const before = gateway.stats().refused['publish:acl_denied'] ?? 0;
    const gas = await connect('gas-1', 'gas-1', passwords.gas);
    const closed = new Promise<void>((resolve) => gas.once('close', () => resolve()));
    gas.publish('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: '2026-11-25T14:52:18.646Z' }), { qos: 1 });
    await closed; // aedes disconnects a client whose publish is refused
    expect(gateway.stats().refused['publish:acl_denied']).toBe(before + 1);
  });

  it("gives a SUBACK failure for another device's command topic", async () => {
    const smoke = await connect('smoke-1', 'smoke-1', passwords.smoke);
    // mqtt.js turns a 0x80 return code into a rejection; the connection itself stays up.
    await expect(smoke.subscribeAsync('gridlink/gas-1/set', { qos: 1 })).rejects.toThrow('Subscribe error');
    const granted = await smoke.subscribeAsync('gridlink/smoke-1/set', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    expect(smoke.connected).toBe(true);
  });

  it('puts valid messages on the bus and malformed ones on the dead-letter topic with the error', async () => {
    const observer = await connect('svc-observer-1', 'observer', passwords.observer);
    const deadLetters: unknown[] = [];
    observer.on('message', (_topic, payload) => deadLetters.push(JSON.parse(payload.toString())));
    await observer.subscribeAsync('gridlink/bridge/dead_letter/#', { qos: 1 });
    const onBus: NormalisedMessage[] = [];
    gateway.bus.on('message', (m) => onBus.push(m));

    const smoke = await connect('smoke-1', 'smoke-1', passwords.smoke);
    await smoke.publishAsync('gridlink/smoke-1/event/alarm', '{"ts":"2026-11-25T14:52:18.646Z","smoke_density":0.3}', {
      qos: 1,
    });
    await smoke.publishAsync(
      'gridlink/smoke-1/event/alarm',
      '{"ts":"2026-11-25T14:52:18.646Z","smoke_density":"high"}',
      { qos: 1 },
    );
    await expect.poll(() => deadLetters.length).toBe(1);

    expect(onBus.map((m) => m.message)).toEqual([
      {
        type: 'event',
        deviceId: 'smoke-1',
        eventType: 'alarm',
        payload: { ts: '2026-11-25T14:52:18.646Z', smoke_density: 0.3 },
      },
    ]);
    expect(deadLetters[0]).toMatchObject({
      topic: 'gridlink/smoke-1/event/alarm',
      error: 'gridlink/smoke-1/event/alarm: smoke_density: expected number, received string "high"',
      payload: '{"ts":"2026-11-25T14:52:18.646Z","smoke_density":"high"}',
    });
    expect(smoke.connected).toBe(true); // a bad payload is not a reason to drop the device
  });

  it('retains its own online state', async () => {
    const observer = await connect('svc-observer-2', 'observer', passwords.observer);
    const state = new Promise<string>((resolve) =>
      observer.once('message', (_t, payload) => resolve(payload.toString())),
    );
    await observer.subscribeAsync('gridlink/bridge/state');
    expect(JSON.parse(await state)).toEqual({ state: 'online' });
  });
});
