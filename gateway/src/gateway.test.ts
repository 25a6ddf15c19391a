import { createServer } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from './devices/directory.js';
import { Gateway } from './gateway.js';
import type { AvailabilityChange } from './liveness/tracker.js';
import { ModuleStartError } from './modules/gateway-module.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from './test-support.js';

const PASSWORD = 'device-secret-1';
const running: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

async function start(overrides: Parameters<typeof testGatewayConfig>[0] = {}) {
  const directory = new InMemoryDirectory(
    [await testDevice('dc-1', 'door_contact', PASSWORD)],
    [await testService('console', 'observer', PASSWORD)],
  );
  const gateway = new Gateway({ config: testGatewayConfig(overrides), directory, logger: silentLogger() });
  await gateway.start();
  running.push(gateway);
  const connect = async (clientId: string, username: string) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId,
      username,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  };
  return { gateway, connect };
}

describe('the gateway', () => {
  it('announces itself on retained bridge topics', async () => {
    const { connect } = await start();
    const watcher = await connect('svc-console-1', 'console');
    const seen = new Map<string, unknown>();
    watcher.on('message', (topic, payload) => seen.set(topic, JSON.parse(payload.toString())));
    await watcher.subscribeAsync('gridlink/bridge/#');
    await expect.poll(() => seen.size).toBeGreaterThanOrEqual(2);
    expect(seen.get('gridlink/bridge/state')).toEqual({ state: 'online' });
    expect(seen.get('gridlink/bridge/info')).toMatchObject({ gateway_id: 'gw-test', base_topic: 'gridlink' });
  });

  it('marks a device online when heard, and offline (retained) once a dropped connection outlasts the grace', async () => {
    const { gateway, connect } = await start({ liveness: { disconnect_grace_ms: 200, check_interval_ms: 100 } });
    const changes: AvailabilityChange[] = [];
    gateway.bus.on('availability', (change) => changes.push(change));
    const watcher = await connect('svc-console-1', 'console');
    const availability: string[] = [];
    watcher.on('message', (_topic, payload) => availability.push(JSON.parse(payload.toString()).state));
    await watcher.subscribeAsync('gridlink/dc-1/availability', { qos: 1 });

    const device = await connect('dc-1', 'dc-1');
    await device.publishAsync('gridlink/dc-1', '{"contact":"closed"}', { qos: 1 });
    await expect.poll(() => availability).toEqual(['online']);

    device.stream.destroy(); // the link drops without a DISCONNECT
    await expect.poll(() => availability).toEqual(['online', 'offline']);
    expect(changes.map((c) => `${c.device.id}:${c.state}:${c.reason}`)).toEqual([
      'dc-1:online:connected',
      'dc-1:offline:disconnected',
    ]);
    expect(gateway.stats().availability).toEqual({ online: 0, offline: 1, unknown: 0 });
  });
});

describe('starting and stopping', () => {
  it('stops the modules already started when one fails to start, and starts cleanly once the cause is gone', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    const directory = new InMemoryDirectory([await testDevice('dc-1', 'door_contact', PASSWORD)]);
    const config = testGatewayConfig({ mqtt: { port } });
    const gateway = new Gateway({ config, directory, logger: silentLogger() });

    const failed = gateway.start();
    await expect(failed).rejects.toBeInstanceOf(ModuleStartError);
    await expect(failed).rejects.toThrow(/listeners module failed to start: .*EADDRINUSE/);
    // The rules, liveness and everything else started before the listeners let go of the bus.
    expect(gateway.bus.listenerCount('message')).toBe(0);
    expect(gateway.bus.listenerCount('disconnected')).toBe(0);
    expect(() => gateway.rules).toThrow('the gateway is not running');

    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await gateway.start(); // the rules' state file and the broker were released
    running.push(gateway);
    expect(gateway.ports.tcp).toBe(port);
    expect(gateway.bus.listenerCount('message')).toBeGreaterThan(0);
  });
});

describe('operations endpoints', () => {
  it('answers /healthz, /readyz and /metrics, with problem details for unknown routes', async () => {
    const { gateway } = await start();
    const base = `http://127.0.0.1:${gateway.ports.http}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('gridlink_mqtt_clients 0');
    expect(metrics).toContain('gridlink_mqtt_messages_total{result="valid"} 0');
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ code: 'GL_NOT_FOUND', status: 404 });
  });

  it('requires the bearer token on /metrics when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const { gateway } = await start({ http: { metrics_token: token } });
    const url = `http://127.0.0.1:${gateway.ports.http}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses to listen beyond loopback without a metrics token', () => {
    expect(() => testGatewayConfig({ http: { host: '0.0.0.0' } })).toThrow(
      'http.host 0.0.0.0 is reachable from the network: set http.metrics_token (16+ characters)',
    );
  });
});
