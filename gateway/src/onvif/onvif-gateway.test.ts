import { createSocket } from 'node:dgram';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BridgeHealth } from '@gridlink/protocol';
import {
  endpointReferenceFor,
  type OnvifCameraOptions,
  OnvifCameraSimulator,
  type OnvifQuirks,
} from '@gridlink/simulators';
import { skipOrFail } from '@gridlink/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayConfigInput } from '../config/schema.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { builtinRuleFile } from '../rules/templates.js';
import { testDataDir, testDevice, testGatewayConfig, testService } from '../test-support.js';
import type { CameraTiming } from './camera-session.js';

const CAMERA = 'cam-gate-01';
const CAMERA_PASSWORD = 'camera-secret-1';
const MQTT_PASSWORD = 'console-secret-1';
const POLL = { timeout: 15_000, interval: 50 };

const cameras: OnvifCameraSimulator[] = [];
const gateways: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()));
  await Promise.all(cameras.splice(0).map((camera) => camera.stop()));
});

/** A UDP port free right now (the camera must know where to send Hello before the gateway starts). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A TCP port free right now (a Notify endpoint that keeps its address across a restart). */
async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Seconds where real cameras get minutes: a renew every 3.2 s, so quirks show within a test. */
const FAST: Partial<CameraTiming> = {
  windowS: 4,
  pullTimeoutS: 1,
  requestTimeoutMs: 3000,
  checkIntervalMs: 500,
  backoff: { initialMs: 100, maxMs: 1000 },
  authBackoff: { initialMs: 1000, maxMs: 5000 },
};

interface Setup {
  camera?: Partial<OnvifCameraOptions>;
  cameraConfig?: Record<string, unknown>;
  onvif?: Partial<NonNullable<GatewayConfigInput['onvif']>>;
  password?: string;
  /** Load the built-in rule templates (docs/domain.md §7), e.g. camera tamper → alert. */
  builtinRules?: boolean;
  uplink?: GatewayConfigInput['uplink'];
  timing?: Partial<CameraTiming>;
  /** Runs on the started camera before the gateway starts (another client taking a slot). */
  beforeGateway?: (camera: OnvifCameraSimulator) => void;
}

async function setup(options: Setup = {}) {
  const helloPort = await freeUdpPort();
  const camera = new OnvifCameraSimulator({
    id: CAMERA,
    username: 'admin',
    password: CAMERA_PASSWORD,
    announceTo: [{ host: '127.0.0.1', port: helloPort }],
    ...options.camera,
  });
  await camera.start();
  cameras.push(camera);
  options.beforeGateway?.(camera);

  const directory = new InMemoryDirectory(
    [await testDevice(CAMERA, 'onvif_camera', 'unused-mqtt-password')],
    [await testService('console', 'observer', MQTT_PASSWORD)],
  );
  const rulesFile = join(testDataDir(), 'rules.yaml');
  if (options.builtinRules) writeFileSync(rulesFile, builtinRuleFile());
  const config = testGatewayConfig({
    ...(options.builtinRules ? { rules: { files: [rulesFile] } } : {}),
    ...(options.uplink ? { uplink: options.uplink } : {}),
    onvif: {
      enabled: true,
      cameras: [
        {
          id: CAMERA,
          probe: `127.0.0.1:${camera.discoveryPort}`,
          username: 'admin',
          password_env: 'CAM_GATE_01_PASSWORD',
          ...options.cameraConfig,
        },
      ],
      discovery: { multicast: false, listen_hello: true, timeout_ms: 500 },
      ...options.onvif,
    },
  });
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const startGateway = async () => {
    const started = new Gateway({
      config,
      directory,
      logger,
      onvif: {
        env: { CAM_GATE_01_PASSWORD: options.password ?? CAMERA_PASSWORD },
        timing: { ...FAST, ...options.timing },
        helloPort,
      },
    });
    await started.start();
    gateways.push(started);
    return started;
  };
  const gateway = await startGateway();
  let current = gateway;
  /** Stops the gateway cleanly and starts it again on the same configuration and data folder. */
  const restart = async () => {
    await current.stop();
    gateways.splice(gateways.indexOf(current), 1);
    current = await startGateway();
    return current;
  };

  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
    clientId: 'svc-console-1',
    username: 'console',
    password: MQTT_PASSWORD,
    reconnectPeriod: 0,
  });
  clients.push(watcher);
  const events: { topic: string; payload: Record<string, unknown> }[] = [];
  const state: Record<string, unknown>[] = [];
  const alerts: Record<string, unknown>[] = [];
  const bridgeHealth: BridgeHealth[] = [];
  watcher.on('message', (topic, payload) => {
    if (payload.length === 0) return;
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (topic === 'gridlink/bridge/health') bridgeHealth.push(BridgeHealth.parse(body));
    else if (topic.startsWith('gridlink/alert/')) alerts.push(body);
    else if (topic === `gridlink/${CAMERA}`) state.push(body);
    else if (topic.startsWith(`gridlink/${CAMERA}/event/`))
      events.push({ topic: topic.split('/').pop() as string, payload: body });
  });
  await watcher.subscribeAsync(`gridlink/${CAMERA}/#`, { qos: 1 });
  await watcher.subscribeAsync(`gridlink/${CAMERA}`, { qos: 1 });
  await watcher.subscribeAsync('gridlink/alert/#', { qos: 1 });
  await watcher.subscribeAsync('gridlink/bridge/health', { qos: 1 });
  const health = () => current.onvif?.cameraHealth()[0];
  const logged = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; camera?: string });
  return { camera, gateway, events, state, alerts, bridgeHealth, health, logged, config, restart };
}

describe('ONVIF cameras the gateway cannot speak for', () => {
  it('reports a camera missing from the registry in health, with the fix, instead of running it', async () => {
    const config = testGatewayConfig({
      onvif: {
        enabled: true,
        cameras: [
          { id: 'cam-east-02', xaddr: 'http://127.0.0.1:9/onvif/device_service', username: 'a', password_env: 'X' },
        ],
        discovery: { listen_hello: false },
      },
    });
    const gateway = new Gateway({
      config,
      directory: new InMemoryDirectory(),
      logger: pino({ level: 'silent' }),
      onvif: { env: { X: 'secret' } },
    });
    await gateway.start();
    gateways.push(gateway);
    expect(gateway.onvif?.cameraHealth()).toEqual([
      {
        id: 'cam-east-02',
        online: false,
        authenticated: false,
        subscribed: false,
        error: 'no device cam-east-02 in the registry: register it as kind onvif_camera',
      },
    ]);
  });
});

const eventsOf = (events: { topic: string; payload: Record<string, unknown> }[], type: string) =>
  events.filter((event) => event.topic === type).map((event) => event.payload);

describe('ONVIF cameras through the gateway (simulated camera over real HTTP and UDP)', () => {
  it('discovers a camera by unicast Probe, onboards it, and its motion and tamper reach MQTT as device events with a snapshot', async () => {
    const { camera, gateway, events, state, health, config, logged, bridgeHealth } = await setup();
    await expect.poll(() => health(), POLL).toMatchObject({ online: true, authenticated: true, subscribed: true });
    expect(health()?.mode).toBe('pullpoint');
    await expect
      .poll(() => bridgeHealth.at(-1)?.cameras?.[0], POLL)
      .toMatchObject({ id: CAMERA, online: true, authenticated: true, subscribed: true, mode: 'pullpoint' });
    // Media2 is offered, so profiles and URIs come from it.
    expect(logged().find((line) => line.msg === 'camera onboarded')).toMatchObject({ media: 'media2' });
    expect(camera.subscriptions().map((s) => s.kind)).toEqual(['pullpoint']);
    const session = gateway.onvif?.session(CAMERA);
    expect(session?.uris.stream).toMatch(/^rtsp:\/\//);
    expect(session?.uris.snapshot).toMatch(/^http:\/\//);

    camera.setMotion(true);
    await expect.poll(() => eventsOf(events, 'motion'), POLL).toHaveLength(1);
    const motion = eventsOf(events, 'motion')[0] as Record<string, unknown>;
    // One event although the camera reports motion on two topics (cell motion and motion alarm).
    expect(motion).toMatchObject({ is_motion: true });
    expect(motion.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const ref = motion.snapshot_ref as string;
    expect(ref).toMatch(new RegExp(`^media/${CAMERA}/.+\\.jpg$`));
    const file = join(config.gateway.data_dir, ref);
    expect(existsSync(file) && statSync(file).size).toBeGreaterThan(1000);
    await expect.poll(() => state.at(-1), POLL).toEqual({ motion: true, tamper: false });

    camera.setMotion(false);
    camera.setTamper(true);
    camera.lineCrossed();
    camera.setFieldDetection(true);
    await expect
      .poll(() => events.map((event) => event.topic), POLL)
      .toEqual(['motion', 'motion', 'tamper', 'line_crossing', 'field_detection']);
    expect(eventsOf(events, 'motion')[1]).toMatchObject({ is_motion: false });
    expect(eventsOf(events, 'motion')[1]).not.toHaveProperty('snapshot_ref');
    expect(eventsOf(events, 'tamper')[0]).toMatchObject({ state: true, snapshot_ref: expect.any(String) });
    expect(eventsOf(events, 'line_crossing')[0]).toMatchObject({ rule: expect.any(String) });
    expect(eventsOf(events, 'field_detection')[0]).toMatchObject({ is_inside: true, rule: expect.any(String) });
    await expect.poll(() => state.at(-1), POLL).toEqual({ motion: false, tamper: true });
    // Same path as device messages: validated, counted, on the bus.
    expect(gateway.stats().invalid).toBe(0);

    const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.http}/metrics`)).text();
    expect(metrics).toContain(`gridlink_onvif_camera_authenticated{camera="${CAMERA}"} 1`);
    expect(metrics).toContain(`gridlink_onvif_camera_subscribed{camera="${CAMERA}"} 1`);
    expect(metrics).toContain('gridlink_onvif_events_total{type="motion"} 2');
  });

  it('raises alerts from camera events like from any device, the snapshot reference in their evidence', async () => {
    const { camera, alerts, events, health } = await setup({ builtinRules: true });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    camera.setTamper(true);
    await expect.poll(() => alerts, POLL).toHaveLength(1);
    const tamper = eventsOf(events, 'tamper')[0] as { snapshot_ref: string };
    expect(alerts[0]).toMatchObject({
      rule_id: 'builtin.maintenance.camera_tamper',
      device_id: CAMERA,
      state: 'active',
      evidence: { state: true, snapshot_ref: tamper.snapshot_ref },
    });
  });

  it('stores camera events in the outbox for the cloud before they go anywhere else', async () => {
    // The cloud is away (nothing listens there): events wait in the outbox.
    const { camera, events, health, gateway } = await setup({
      uplink: {
        enabled: true,
        url: 'http://127.0.0.1:9',
        token: 'gateway-token-0123456789',
        backoff_initial_ms: 10_000,
      },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    camera.lineCrossed();
    await expect.poll(() => eventsOf(events, 'line_crossing'), POLL).toHaveLength(1);
    const stored = (gateway.uplink?.outbox.nextBatch(100) ?? []).map(
      (entry) => JSON.parse(entry.json) as { type: string; source: string; data: Record<string, unknown> },
    );
    const crossing = stored.find((event) => event.data.event_type === 'line_crossing');
    expect(crossing).toMatchObject({
      type: 'cn.gridlink.device.event.v1',
      source: `/gateways/gw-test/devices/${CAMERA}`,
      data: { event_type: 'line_crossing', payload: eventsOf(events, 'line_crossing')[0] },
    });
  });

  it('stops without leaving a PullMessages long-poll open, unsubscribing its own subscription', async () => {
    const { camera, health, gateway } = await setup({ timing: { pullTimeoutS: 30, windowS: 60 } });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    await expect.poll(() => camera.pendingPulls(), POLL).toBe(1);
    await gateway.stop();
    // Ended by the gateway, not by the camera's 30 s timeout.
    await expect.poll(() => camera.pendingPulls(), { timeout: 2000, interval: 20 }).toBe(0);
    expect(camera.requests('Unsubscribe')).toBe(1);
    expect(camera.subscriptions()).toEqual([]);
  });

  it('ten restarts within a window leave a camera with few slots exactly one live subscription (unsubscribe on stop)', async () => {
    const { camera, health, restart } = await setup({
      camera: { maxSubscriptions: 3 },
      timing: { windowS: 60 },
    });
    for (let restarts = 0; restarts < 10; restarts++) {
      await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'pullpoint' });
      await restart();
    }
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    expect(camera.subscriptions()).toHaveLength(1);
    expect(camera.requests('Unsubscribe')).toBe(10);
  });

  it('ten restarts within a window resume the one subscription when Unsubscribe is switched off', async () => {
    const { camera, health, restart } = await setup({
      camera: { maxSubscriptions: 3 },
      cameraConfig: { unsubscribe_on_stop: false },
      timing: { windowS: 60 },
    });
    for (let restarts = 0; restarts < 10; restarts++) {
      await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'pullpoint' });
      await restart();
    }
    const gateway = await restart();
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    expect(camera.subscriptions()).toHaveLength(1);
    expect(camera.requests('CreatePullPointSubscription')).toBe(1);
    expect(camera.requests('Unsubscribe')).toBe(0);
    // Events flow on the resumed subscription.
    camera.setMotion(true);
    await expect.poll(() => gateway.onvif?.stats().counters.events.motion, POLL).toBe(1);
  });

  it('resumes a push subscription after restarts, its Notify taken at the same URL again', async () => {
    const port = await freeTcpPort();
    const { camera, health, restart } = await setup({
      camera: { maxSubscriptions: 2 },
      cameraConfig: { events: 'push', unsubscribe_on_stop: false },
      onvif: { notify: { enabled: true, host: '127.0.0.1', port } },
      timing: { windowS: 60 },
    });
    for (let restarts = 0; restarts < 3; restarts++) {
      await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
      await restart();
    }
    const gateway = await restart();
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
    expect(camera.subscriptions().map((s) => s.kind)).toEqual(['push']);
    expect(camera.requests('Subscribe')).toBe(1);
    camera.setMotion(true);
    await expect.poll(() => gateway.onvif?.stats().counters.events.motion, POLL).toBe(1);
  });

  it('in events auto, falls back to PullPoint when the camera refuses the push callback, the fault text in health', async () => {
    const refusal = 'Callback address must be a routable unicast address';
    const { camera, health, bridgeHealth, logged } = await setup({
      // An NVR holds the camera's only slot for a moment: PullPoint is refused, push is tried.
      camera: { maxSubscriptions: 1, refusePushCallback: refusal },
      beforeGateway: (started) => started.holdSubscriptionForOther(3000),
      onvif: { notify: { enabled: true, host: '127.0.0.1', port: 0 } },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    expect(health()?.error).toContain(refusal);
    await expect.poll(() => bridgeHealth.at(-1)?.cameras?.[0]?.error, POLL).toContain(refusal);
    // Push is not asked again once refused.
    expect(camera.requests('Subscribe')).toBe(1);
    expect(camera.subscriptions().map((s) => s.kind)).toEqual(['pullpoint']);
    expect(logged().some((line) => JSON.stringify(line).includes(refusal))).toBe(true);
  });

  it('shows a refused push subscription with the fault text in health and backs off', async () => {
    const refusal = 'Callback address must be a routable unicast address';
    const { camera, health } = await setup({
      camera: { refusePushCallback: refusal },
      cameraConfig: { events: 'push' },
      onvif: { notify: { enabled: true, host: '127.0.0.1', port: 0 } },
      timing: { backoff: { initialMs: 200, maxMs: 60_000 } },
    });
    await expect
      .poll(() => health(), POLL)
      .toMatchObject({ subscribed: false, error: expect.stringContaining(refusal) });
    // Backoff doubling from 200 ms: by the 4th attempt at least 0.1 + 0.2 + 0.4 s have gone by.
    const started = Date.now();
    const before = camera.requests('Subscribe');
    await expect.poll(() => camera.requests('Subscribe'), POLL).toBeGreaterThanOrEqual(before + 3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('takes cell motion carried as State (not IsMotion) as motion', async () => {
    const { camera, events, health, gateway } = await setup({ camera: { cellMotionItem: 'State' } });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    camera.setMotion(true);
    await expect.poll(() => eventsOf(events, 'motion'), POLL).toHaveLength(1);
    expect(gateway.onvif?.stats().counters.unmapped).toBe(0);
  });

  it('fails loudly on a wrong password: authenticated false in health and metrics, an error naming the field, never subscribed', async () => {
    const { camera, gateway, health, logged, bridgeHealth } = await setup({ password: 'not-the-password' });
    // Online (the clock answered) comes a round trip before the refusal: wait for the refusal itself.
    await expect
      .poll(() => health(), POLL)
      .toMatchObject({ online: true, authenticated: false, subscribed: false, error: expect.any(String) });
    await expect
      .poll(() => bridgeHealth.at(-1)?.cameras, POLL)
      .toEqual([expect.objectContaining({ id: CAMERA, online: true, authenticated: false, subscribed: false })]);
    expect(health()?.error).toMatch(/refused the credentials/);
    await expect
      .poll(() => logged().filter((line) => line.level >= 50 && /refused the credentials/.test(line.msg)), POLL)
      .toHaveLength(1);
    expect(logged().find((line) => /refused the credentials/.test(line.msg))?.msg).toContain('onvif.cameras[0]');
    expect(JSON.stringify(logged())).not.toContain('not-the-password');
    expect(camera.subscriptions()).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.http}/metrics`)).text();
    expect(metrics).toContain(`gridlink_onvif_camera_authenticated{camera="${CAMERA}"} 0`);
    expect(logged().some((line) => line.msg === 'camera onboarded')).toBe(false);
  });

  it('delivers motion and tamper through push (Subscribe → Notify to the gateway endpoint)', async () => {
    const { camera, events, health } = await setup({
      cameraConfig: { events: 'push' },
      onvif: { notify: { enabled: true, host: '127.0.0.1', port: 0 } },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
    expect(camera.subscriptions().map((s) => s.kind)).toEqual(['push']);
    camera.setMotion(true);
    camera.setTamper(true);
    await expect.poll(() => events.map((event) => event.topic), POLL).toEqual(['motion', 'tamper']);
    expect(eventsOf(events, 'motion')[0]).toMatchObject({ is_motion: true, snapshot_ref: expect.any(String) });
  });

  it('keeps a push subscription across a reboot that loses it (Hello → renew refused → subscribe again)', async () => {
    // A 60 s window: the scheduled renewal (at 48 s) lies beyond the wait below, so a subscription
    // made within it came from the Hello, not from renewing on schedule.
    const { camera, events, health } = await setup({
      camera: { quirks: { loseSubscriptionsOnReboot: true } },
      cameraConfig: { events: 'push' },
      onvif: { notify: { enabled: true, host: '127.0.0.1', port: 0 } },
      timing: { windowS: 60 },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
    await camera.reboot(300);
    await expect.poll(() => camera.subscriptions().map((s) => s.kind), POLL).toEqual(['push']);
    camera.setMotion(true);
    await expect.poll(() => eventsOf(events, 'motion'), POLL).toHaveLength(1);
  });

  it('replaces push subscriptions whose Renew is refused without delivering anything twice', async () => {
    const { camera, events, health, gateway } = await setup({
      camera: { quirks: { renewRejected: true } },
      cameraConfig: { events: 'push' },
      onvif: { notify: { enabled: true, host: '127.0.0.1', port: 0 } },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true, mode: 'push' });
    // A refused Renew at 80 % of the window, a new subscription: both live on the camera until the
    // old one expires, and both send the crossing; only the new one's Notify is taken.
    await expect.poll(() => camera.subscriptions().length, { timeout: 15_000, interval: 10 }).toBe(2);
    camera.lineCrossed();
    await expect.poll(() => eventsOf(events, 'line_crossing'), POLL).toHaveLength(1);
    // Every Notify of the crossing answered (taken or refused): a duplicate, if taken, is queued now.
    await expect.poll(() => camera.pendingNotifies(), POLL).toBe(0);
    // A marker behind it on the same per-camera queue: once it is out, nothing of the crossing is left.
    camera.setTamper(true);
    await expect.poll(() => eventsOf(events, 'tamper'), POLL).toHaveLength(1);
    expect(eventsOf(events, 'line_crossing')).toHaveLength(1);
    expect(gateway.onvif?.stats().counters.resubscribes).toBeGreaterThanOrEqual(1);
  });

  it('finds a discovered camera again at its new address after it moved (DHCP)', async () => {
    const { camera, events, health, gateway } = await setup();
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    const before = gateway.onvif?.session(CAMERA)?.uris.snapshot;
    const discoveryPort = camera.discoveryPort;
    await camera.stop();
    // The same camera comes back on another HTTP port, answering Probes where it did.
    const moved = new OnvifCameraSimulator({ id: CAMERA, username: 'admin', password: CAMERA_PASSWORD, discoveryPort });
    await moved.start();
    cameras.push(moved);
    await expect.poll(() => moved.subscriptions().length, POLL).toBe(1);
    expect(gateway.onvif?.session(CAMERA)?.uris.snapshot).not.toBe(before);
    moved.setTamper(true);
    await expect.poll(() => eventsOf(events, 'tamper'), POLL).toHaveLength(1);
  });

  it('finds a camera by its endpoint reference with a multicast Probe (skipped when this host has no multicast route)', async (context) => {
    let started: Awaited<ReturnType<typeof setup>>;
    try {
      started = await setup({
        camera: { discovery: 'multicast' },
        cameraConfig: { probe: undefined, endpoint_reference: endpointReferenceFor(CAMERA), host: '127.0.0.1' },
        onvif: { discovery: { multicast: true, listen_hello: false, timeout_ms: 1000 } },
      });
    } catch (error) {
      if (!/WS-Discovery UDP socket/.test(String(error))) throw error;
      skipOrFail(context, 'multicast', 'this host has no multicast route');
      return;
    }
    const { camera, health } = started;
    expect(camera.endpointReference).toBe(endpointReferenceFor(CAMERA));
    await expect.poll(() => health(), POLL).toMatchObject({ authenticated: true, subscribed: true });
  });

  const quirks: (keyof OnvifQuirks)[] = ['singleSubscription', 'renewRejected', 'durationsMisread', 'nonStandardTime'];
  for (const quirk of quirks) {
    it(`keeps events flowing across renewals with the ${quirk} quirk`, async () => {
      const { camera, events, health } = await setup({ camera: { quirks: { [quirk]: true } } });
      await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
      // Past two renewals (at 80 % of a 4 s window), counted where they land: on the camera.
      await expect.poll(() => camera.requests('Renew'), POLL).toBeGreaterThanOrEqual(2);
      expect(health()).toMatchObject({ online: true, authenticated: true, subscribed: true });
      camera.setMotion(true);
      await expect.poll(() => eventsOf(events, 'motion'), POLL).toHaveLength(1);
      const motion = eventsOf(events, 'motion')[0] as { ts: string };
      // Event times read right whatever format the camera wrote them in.
      expect(Math.abs(Date.parse(motion.ts) - Date.now())).toBeLessThan(10_000);
      if (quirk === 'singleSubscription') expect(camera.subscriptions()).toHaveLength(1);
    });
  }

  it('survives a reboot that loses every subscription and resets the clock, back within the renew window, motion not stuck on', async () => {
    // A 60 s window: the scheduled renewal (at 48 s) lies beyond the waits below, so a subscription
    // made within them came from the Hello or the failed calls, not from renewing on schedule.
    const { camera, events, health, state } = await setup({
      camera: { quirks: { loseSubscriptionsOnReboot: true } },
      timing: { windowS: 60 },
    });
    await expect.poll(() => health(), POLL).toMatchObject({ subscribed: true });
    camera.setMotion(true);
    await expect.poll(() => eventsOf(events, 'motion'), POLL).toHaveLength(1);

    camera.setClockOffset(-3_600_000); // the reboot loses the time: an hour behind
    const rebooted = camera.reboot(800); // down at once: HTTP closes before reboot() first waits
    camera.setMotion(false); // motion ends while the camera is down: no event can reach anyone
    await rebooted;
    // Back through Hello / failed calls, not by waiting for the renewal or the expiry.
    await expect.poll(() => camera.subscriptions().length, POLL).toBe(1);
    expect(health()).toMatchObject({ online: true, authenticated: true });
    expect(health()?.clock_offset_ms).toBeLessThan(-3_590_000);
    // SetSynchronizationPoint after re-subscribing: motion is no longer "on".
    await expect.poll(() => state.at(-1), POLL).toEqual({ motion: false, tamper: false });
    camera.setTamper(true);
    await expect.poll(() => eventsOf(events, 'tamper'), POLL).toHaveLength(1);
  });
});
