import { readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { DEVICE_KINDS, MALFORMED_EXAMPLES } from '@gridlink/protocol';
import { createTestCertificates, type TestCertificates } from '@gridlink/testkit';
import type { Aedes } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../test-support.js';
import { capturingLogger, startTestBroker } from './broker-test-support.js';

const PASSWORD = 'device-secret-1';
const clients: MqttClient[] = [];
const gateways: Gateway[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
});

async function startGateway(directory: InMemoryDirectory, overrides: Parameters<typeof testGatewayConfig>[0] = {}) {
  const gateway = new Gateway({ config: testGatewayConfig(overrides), directory, logger: silentLogger() });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
}

async function connect(url: string, options: IClientOptions) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4, ...options });
  clients.push(client);
  return client;
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'connected',
    (err: Error) => err.message,
  );

describe('validation at the broker', () => {
  it('puts a malformed payload of every device kind on the dead-letter topic with its exact error', async () => {
    const devices = await Promise.all(
      DEVICE_KINDS.map((kind) => testDevice(MALFORMED_EXAMPLES[kind].deviceId, kind, PASSWORD)),
    );
    const directory = new InMemoryDirectory(devices, [await testService('console', 'observer', PASSWORD)]);
    const gateway = await startGateway(directory);
    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    const watcher = await connect(url, { clientId: 'svc-console-1', username: 'console', password: PASSWORD });
    const deadLetters = new Map<string, { error: string }>();
    watcher.on('message', (topic, payload) => deadLetters.set(topic, JSON.parse(payload.toString())));
    await watcher.subscribeAsync('gridlink/bridge/dead_letter/#', { qos: 1 });

    for (const kind of DEVICE_KINDS) {
      const { deviceId, topic, payload } = MALFORMED_EXAMPLES[kind];
      const device = await connect(url, { clientId: deviceId, username: deviceId, password: PASSWORD });
      await device.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    }
    await expect.poll(() => deadLetters.size).toBe(DEVICE_KINDS.length);
    for (const kind of DEVICE_KINDS) {
      const { deviceId, error } = MALFORMED_EXAMPLES[kind];
      expect(deadLetters.get(`gridlink/bridge/dead_letter/${deviceId}`)?.error, kind).toBe(error);
    }
    expect(gateway.stats().invalid).toBe(DEVICE_KINDS.length);
    expect(clients.every((client) => client.connected)).toBe(true);
  }, 30_000);
});

describe('limits', () => {
  it('refuses an oversized packet from its header, without buffering its body', async () => {
    const directory = new InMemoryDirectory([await testDevice('th-1', 'temp_humidity', PASSWORD)]);
    const gateway = await startGateway(directory, { mqtt: { limits: { max_packet_bytes: 65_536 } } });
    // The device's connection as the broker sees it: what it read off the socket is what it took in.
    const { aedes } = (gateway as unknown as { running: { broker: { aedes: Aedes } } }).running.broker;
    const socket = new Promise<{ bytesRead: number }>((resolve) =>
      aedes.once('client', (client) => resolve(client.conn as unknown as { bytesRead: number })),
    );
    const device = await connect(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: 'th-1',
      username: 'th-1',
      password: PASSWORD,
    });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // 32 MiB announced and sent: the broker must cut the connection after the fixed header.
    device.publish('gridlink/th-1', Buffer.alloc(32 * 1024 * 1024, 0x20), { qos: 0 });
    await closed;
    expect(gateway.stats().refused['publish:packet_too_large']).toBe(1);
    // At most a few reads past the header, never the 32 MiB body.
    expect((await socket).bytesRead).toBeLessThan(1024 * 1024);
    // The limit applies per packet: a normal message on a new connection is fine.
    const again = await connect(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: 'th-1',
      username: 'th-1',
      password: PASSWORD,
    });
    await again.publishAsync('gridlink/th-1', '{"temperature":21.5}', { qos: 1 });
    await expect.poll(() => gateway.stats().valid).toBe(1);
  });

  it('attack: a device flooding large payloads is cut off at max_device_packet_bytes, with the limit named', async () => {
    const directory = new InMemoryDirectory(
      [await testDevice('th-3', 'temp_humidity', PASSWORD)],
      [await testService('installer', 'installer', PASSWORD)],
    );
    const { logger, lines } = capturingLogger();
    const gateway = new Gateway({ config: testGatewayConfig(), directory, logger });
    await gateway.start();
    gateways.push(gateway);
    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    const device = await connect(url, { clientId: 'th-3', username: 'th-3', password: PASSWORD });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // Over the device limit (16 KiB by default), well under max_packet_bytes (256 KiB).
    device.publish('gridlink/th-3', Buffer.alloc(20_000, 0x41), { qos: 1 });
    await closed;
    expect(gateway.stats().refused['publish:packet_too_large']).toBe(1);
    const refused = lines.find((line) => line.code === 'packet_too_large');
    expect(refused?.msg).toMatch(/exceeds mqtt\.limits\.max_device_packet_bytes \(16384\)/);
    expect(refused?.client).toBe('th-3');

    // A service keeps max_packet_bytes: the same size from an installer is taken.
    const installer = await connect(url, { clientId: 'svc-installer', username: 'installer', password: PASSWORD });
    await installer.publishAsync('gridlink/bridge/request/rules.update', Buffer.alloc(20_000, 0x20), { qos: 1 });
    expect(installer.connected).toBe(true);
    // And the device, back with a normal message, is fine.
    const again = await connect(url, { clientId: 'th-3', username: 'th-3', password: PASSWORD });
    await again.publishAsync('gridlink/th-3', '{"temperature":21.5}', { qos: 1 });
    await expect.poll(() => gateway.stats().valid).toBe(1);
    expect(gateway.stats().refused['publish:packet_too_large']).toBe(1);
  });

  it('refuses a body that announces 256 MB over a raw socket, closing at once', async () => {
    const directory = new InMemoryDirectory([await testDevice('th-2', 'temp_humidity', PASSWORD)]);
    const gateway = await startGateway(directory);
    const socket = connectTcp(gateway.ports.tcp ?? 0, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // PUBLISH, remaining length 268,435,455 (the MQTT maximum), then some bytes.
    socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    socket.write(Buffer.alloc(1024, 0x41));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(gateway.stats().refused['publish:packet_too_large']).toBe(1);
  });

  it('caps simultaneous connections from one address', async () => {
    const directory = new InMemoryDirectory([], [await testService('console', 'observer', PASSWORD)]);
    const gateway = await startGateway(directory, { mqtt: { limits: { connections_per_address: 3 } } });
    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    for (const n of [1, 2, 3])
      await connect(url, { clientId: `svc-console-${n}`, username: 'console', password: PASSWORD });
    // The fourth is closed before a single MQTT byte is read.
    const fourth = connectTcp(gateway.ports.tcp ?? 0, '127.0.0.1');
    await new Promise<void>((resolve) => fourth.once('close', () => resolve()));
    expect(gateway.stats().refused['connect:too_many_connections']).toBe(1);
    // Closing one frees a place.
    await clients.pop()?.endAsync();
    await expect.poll(() => gateway.stats().clients).toBe(2);
    expect(await outcome(connect(url, { clientId: 'svc-console-5', username: 'console', password: PASSWORD }))).toBe(
      'connected',
    );
  });
});

describe('Will messages', () => {
  it("refuses at CONNECT a device whose Will names another device's topic", async () => {
    const directory = new InMemoryDirectory([await testDevice('dc-1', 'door_contact', PASSWORD)]);
    const gateway = await startGateway(directory);
    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    const will = (topic: string) => ({
      topic,
      payload: Buffer.from('{"state":"offline"}'),
      qos: 1 as const,
      retain: true,
    });
    expect(
      await outcome(
        connect(url, {
          clientId: 'dc-1',
          username: 'dc-1',
          password: PASSWORD,
          will: will('gridlink/dc-2/availability'),
        }),
      ),
    ).toBe('Connection refused: Not authorized');
    expect(gateway.stats().refused['connect:will_topic_denied']).toBe(1);
    expect(
      await outcome(
        connect(url, {
          clientId: 'dc-1',
          username: 'dc-1',
          password: PASSWORD,
          will: will('gridlink/dc-1/availability'),
        }),
      ),
    ).toBe('connected');
  });
});

describe('transports', () => {
  it('accepts MQTT over WebSocket with the same authentication', async () => {
    const directory = new InMemoryDirectory([await testDevice('dc-ws', 'door_contact', PASSWORD)]);
    const gateway = await startGateway(directory, {
      mqtt: { websocket: { enabled: true, host: '127.0.0.1', port: 0 } },
    });
    const url = `ws://127.0.0.1:${gateway.ports.websocket}/mqtt`;
    expect(await outcome(connect(url, { clientId: 'dc-ws', username: 'dc-ws', password: 'wrong' }))).toBe(
      'Connection refused: Bad username or password',
    );
    const device = await connect(url, { clientId: 'dc-ws', username: 'dc-ws', password: PASSWORD });
    await device.publishAsync('gridlink/dc-ws/event/opened', '{"ts":"2026-11-25T14:52:18.646Z"}', { qos: 1 });
    await expect.poll(() => gateway.stats().valid).toBe(1);
  });

  describe('TLS with client certificates', () => {
    let certificates: TestCertificates;
    beforeAll(() => {
      certificates = createTestCertificates(['smoke-tls']);
    }, 60_000);
    afterAll(() => rmSync(certificates.dir, { recursive: true, force: true }));

    const tlsConfig = (mode: 'optional' | 'required') => ({
      mqtt: {
        tls: {
          enabled: true,
          host: '127.0.0.1',
          port: 0,
          cert_file: certificates.server.cert,
          key_file: certificates.server.key,
          ca_file: certificates.ca,
          client_certificates: mode,
        },
      },
    });
    const tlsOptions = (withClientCert: boolean): IClientOptions => ({
      ca: readFileSync(certificates.ca),
      ...(withClientCert
        ? {
            cert: readFileSync(certificates.clients['smoke-tls']?.cert ?? ''),
            key: readFileSync(certificates.clients['smoke-tls']?.key ?? ''),
          }
        : {}),
    });

    it('authenticates a device by its certificate when the identity matches the client id', async () => {
      const directory = new InMemoryDirectory([
        await testDevice('smoke-tls', 'smoke_detector', PASSWORD),
        await testDevice('smoke-other', 'smoke_detector', PASSWORD),
      ]);
      const gateway = await startGateway(directory, tlsConfig('required'));
      const url = `mqtts://127.0.0.1:${gateway.ports.tls}`;
      const device = await connect(url, { clientId: 'smoke-tls', ...tlsOptions(true) });
      await device.publishAsync('gridlink/smoke-tls', '{"smoke":false}', { qos: 1 });
      await expect.poll(() => gateway.stats().valid).toBe(1);
      expect(await outcome(connect(url, { clientId: 'smoke-other', ...tlsOptions(true) }))).toBe(
        'Connection refused: Bad username or password',
      );
      expect(gateway.stats().refused['connect:certificate_mismatch']).toBe(1);
      expect(
        await outcome(
          connect(url, {
            clientId: 'smoke-tls',
            username: 'smoke-tls',
            password: PASSWORD,
            ...tlsOptions(false),
            connectTimeout: 3000,
          }),
        ),
      ).not.toBe('connected');
    });

    it('attack: with client certificates required, a password alone connects on no listener', async () => {
      const directory = new InMemoryDirectory([await testDevice('smoke-tls', 'smoke_detector', PASSWORD)]);
      const password = { clientId: 'smoke-tls', username: 'smoke-tls', password: PASSWORD };
      // The plain listeners are off: there is no port to send a password to.
      const strict = await startGateway(directory, tlsConfig('required'));
      expect(strict.ports.tcp).toBeUndefined();

      // The broker itself refuses a password on a plain connection too (TCP and WebSocket).
      const plain = await startTestBroker(directory, {
        clientCertificates: 'required',
        config: { mqtt: { websocket: { enabled: true, host: '127.0.0.1', port: 0 } } },
      });
      try {
        expect(await outcome(plain.connect(password))).toBe('Connection refused: Bad username or password');
        const ws = `ws://127.0.0.1:${plain.listeners.ports.websocket}/mqtt`;
        expect(await outcome(plain.connect(password, ws))).toBe('Connection refused: Bad username or password');
        expect(plain.broker.refusals.snapshot()['connect:certificate_required']).toBe(2);
      } finally {
        await plain.close();
      }

      // For devices that cannot do TLS, only when explicitly allowed, and loudly.
      const { logger, lines } = capturingLogger();
      const required = tlsConfig('required').mqtt;
      const lenient = new Gateway({
        config: testGatewayConfig({ mqtt: { ...required, tls: { ...required.tls, allow_plain_passwords: true } } }),
        directory,
        logger,
      });
      await lenient.start();
      gateways.push(lenient);
      expect(lines.filter((line) => line.msg.startsWith('INSECURE'))).toHaveLength(1);
      expect(await outcome(connect(`mqtt://127.0.0.1:${lenient.ports.tcp}`, password))).toBe('connected');
      expect(
        await outcome(
          connect(`mqtts://127.0.0.1:${lenient.ports.tls}`, {
            ...password,
            ...tlsOptions(false),
            connectTimeout: 3000,
          }),
        ),
      ).not.toBe('connected');
    });

    it('falls back to the password when client certificates are optional', async () => {
      const directory = new InMemoryDirectory([await testDevice('smoke-tls', 'smoke_detector', PASSWORD)]);
      const gateway = await startGateway(directory, tlsConfig('optional'));
      const url = `mqtts://127.0.0.1:${gateway.ports.tls}`;
      expect(
        await outcome(
          connect(url, { clientId: 'smoke-tls', username: 'smoke-tls', password: PASSWORD, ...tlsOptions(false) }),
        ),
      ).toBe('connected');
      expect(await outcome(connect(url, { clientId: 'smoke-tls', ...tlsOptions(true) }))).toBe('connected');
    });
  });
});
