import { OnvifCameraFarm } from '@gridlink/simulators';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { testDevice, testGatewayConfig, testService } from '../test-support.js';

const COUNT = 40;
const ids = Array.from({ length: COUNT }, (_, i) => `cam-b${String(i + 1).padStart(2, '0')}`);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe(`one gateway, ${COUNT} cameras (simulated camera farm)`, () => {
  it('onboards every camera and brings each one motion event to MQTT', async () => {
    const farm = new OnvifCameraFarm(ids.map((id) => ({ id, username: 'admin', password: `pw-${id}` })));
    await farm.start();
    cleanups.push(() => farm.stop());
    const directory = new InMemoryDirectory(
      await Promise.all(ids.map((id) => testDevice(id, 'onvif_camera', 'unused'))),
      [await testService('console', 'observer', 'console-secret-1')],
    );
    const env = Object.fromEntries(ids.map((id) => [`PW_${id.replace(/-/g, '_').toUpperCase()}`, `pw-${id}`]));
    const config = testGatewayConfig({
      onvif: {
        enabled: true,
        discovery: { listen_hello: false },
        cameras: farm.cameras.map((camera) => ({
          id: camera.id,
          xaddr: camera.deviceServiceUrl,
          username: 'admin',
          password_env: `PW_${camera.id.replace(/-/g, '_').toUpperCase()}`,
        })),
      },
    });
    const started = performance.now();
    const gateway = new Gateway({ config, directory, logger: pino({ level: 'silent' }), onvif: { env } });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: 'svc-console-1',
      username: 'console',
      password: 'console-secret-1',
      reconnectPeriod: 0,
    });
    cleanups.push(() => watcher.endAsync(true));
    const arrived = new Map<string, number>();
    watcher.on('message', (topic) => arrived.set(topic.split('/')[1] as string, performance.now()));
    await watcher.subscribeAsync('gridlink/+/event/motion', { qos: 1 });

    await expect
      .poll(() => gateway.onvif?.cameraHealth().filter((camera) => camera.subscribed).length, { timeout: 30_000 })
      .toBe(COUNT);
    const onboardedMs = performance.now() - started;
    const raisedAt = performance.now();
    for (const camera of farm.cameras) camera.setMotion(true);
    await expect.poll(() => arrived.size, { timeout: 30_000 }).toBe(COUNT);
    const latencies = [...arrived.values()].map((at) => at - raisedAt).sort((a, b) => a - b);
    // On a shared two-core machine; the simulated cameras encode their JPEGs in this same process.
    console.info(
      `${COUNT} cameras onboarded and subscribed in ${Math.round(onboardedMs)} ms; ` +
        `${COUNT} simultaneous motion events (each with a snapshot) on MQTT: ` +
        `median ${Math.round(latencies[Math.floor(COUNT / 2)] as number)} ms, last ${Math.round(latencies.at(-1) as number)} ms`,
    );
    expect(gateway.stats().invalid).toBe(0);
  });
});
