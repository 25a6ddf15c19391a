/**
 * Test support: one scenario's world, all real — its devices registered with their own
 * credentials and places in the gateway (embedded broker, the built-in rules, the outbox), the
 * gateway's uplink through a TCP fault proxy (the cloud link a scenario can cut) to the cloud on a
 * throwaway PostgreSQL database of the testkit. The gateway and the devices run on the scenario's
 * clock, which the scenario drives (compressed time).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import {
  builtinRuleFile,
  Gateway,
  GatewayConfig,
  type GatewayOptions,
  generateSecret,
  hashPassword,
  InMemoryDirectory,
} from '@gridlink/gateway';
import { type ManualClock, manualClock, OnvifCameraFarm, type Scenario, scenarioDevices } from '@gridlink/simulators';
import { createTestDatabase, type FaultProxy, startFaultProxy } from '@gridlink/testkit';
import { pino } from 'pino';

export const SCENARIO_GATEWAY = 'gw-scenario';
/** How often the gateway's rules look at the time: each step of scenario time waits for a few ticks. */
const RULE_TICK_MS = 100;

export interface RaisedAlert {
  rule: string;
  device: string;
  alertId: string;
}

export interface OpenedIncident {
  category: string;
  device: string;
  urgent: boolean;
  alerts: number;
}

export interface ScenarioSystem {
  brokerUrl: string;
  passwords: Map<string, string>;
  clock: ManualClock;
  gateway: Gateway;
  cloud: RunningCloud;
  proxy: FaultProxy;
  /** The scenario's ONVIF cameras, when it has any. */
  cameras?: OnvifCameraFarm;
  /** Scenario time passes: the clock moves, then the gateway's rules get to look at it. */
  wait(ms: number): Promise<void>;
  /** Alerts raised, as the cloud received them. */
  alerts(): Promise<RaisedAlert[]>;
  /** Incidents the cloud opened, with the number of alerts linked to each. */
  incidents(): Promise<OpenedIncident[]>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A UDP port free right now: cameras announce Hello to it, the gateway's adapter listens on it. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Seconds where real cameras take minutes (the adapter's own tests use the same), so a storm passes within a test. */
const FAST_ONVIF_TIMING = {
  windowS: 4,
  pullTimeoutS: 1,
  requestTimeoutMs: 3000,
  checkIntervalMs: 500,
  backoff: { initialMs: 100, maxMs: 1000 },
  authBackoff: { initialMs: 1000, maxMs: 5000 },
};

const passwordEnv = (id: string) => `${id.replace(/-/g, '_').toUpperCase()}_PASSWORD`;

/** The scenario's cameras, running, and what the gateway needs to reach them. */
async function startCameras(scenario: Scenario) {
  if (!scenario.cameras?.length) return undefined;
  const helloPort = await freeUdpPort();
  const passwords = new Map(scenario.cameras.map((camera) => [camera.id, generateSecret()]));
  const farm = new OnvifCameraFarm(
    scenario.cameras.map((camera) => ({
      id: camera.id,
      username: 'admin',
      password: passwords.get(camera.id) ?? '',
      announceTo: [{ host: '127.0.0.1', port: helloPort }],
      ...(camera.quirks ? { quirks: camera.quirks } : {}),
    })),
  );
  await farm.start();
  const config = {
    enabled: true,
    cameras: farm.cameras.map((camera) => ({
      id: camera.id,
      probe: `127.0.0.1:${camera.discoveryPort}`,
      username: 'admin',
      password_env: passwordEnv(camera.id),
    })),
    discovery: { multicast: false, listen_hello: true, timeout_ms: 500 },
  };
  const options: GatewayOptions['onvif'] = {
    env: Object.fromEntries([...passwords].map(([id, password]) => [passwordEnv(id), password])),
    timing: FAST_ONVIF_TIMING,
    helloPort,
  };
  return { farm, config, options };
}

export async function startScenarioSystem(scenario: Scenario): Promise<ScenarioSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-scenario-'));
  const stops: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const logger = pino({ level: 'silent' });
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    const cloud = await startCloud(
      CloudConfig.parse({
        cloud: { data_dir: join(dir, 'cloud') },
        http: { host: '127.0.0.1', port: 0 },
        database: { url: database.url },
        auth: { admin_token: generateSecret(32) },
        log: { level: 'silent' },
      }),
      logger,
      { projectionSettleMs: 500 },
    );
    stops.push(() => cloud.stop());
    const registered = await cloud.registry.register(SCENARIO_GATEWAY, 'Scenario gateway', '320803001001');
    if (!registered.ok) throw new Error(`${SCENARIO_GATEWAY} is already registered`);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: cloud.port });
    stops.push(() => proxy.close());

    const directory = new InMemoryDirectory();
    const passwords = new Map<string, string>();
    for (const device of scenarioDevices(scenario)) {
      const password = generateSecret();
      passwords.set(device.id, password);
      directory.addDevice({
        id: device.id,
        kind: device.kind,
        status: 'active',
        passwordHash: await hashPassword(password),
        place: device.place,
        ...(device.tags ? { tags: device.tags } : {}),
      });
    }
    const cameras = await startCameras(scenario);
    if (cameras) stops.push(() => cameras.farm.stop());
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, builtinRuleFile());
    const clock = manualClock(scenario.startsAt);
    const gateway = new Gateway({
      config: GatewayConfig.parse({
        gateway: { id: SCENARIO_GATEWAY, community: '320803001001', data_dir: join(dir, 'gateway') },
        mqtt: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0 },
        log: { level: 'silent' },
        rules: { files: [rules], tick_ms: RULE_TICK_MS },
        uplink: {
          enabled: true,
          url: proxy.url,
          token: registered.issued.token,
          backoff_initial_ms: 50,
          backoff_max_ms: 400,
          request_timeout_ms: 2000,
          downlink: false,
        },
        ...(cameras ? { onvif: cameras.config } : {}),
      }),
      directory,
      logger,
      now: clock,
      ...(cameras ? { onvif: cameras.options } : {}),
    });
    await gateway.start();
    stops.push(() => gateway.stop());

    return {
      brokerUrl: `mqtt://127.0.0.1:${gateway.ports.tcp}`,
      passwords,
      clock,
      gateway,
      cloud,
      proxy,
      ...(cameras ? { cameras: cameras.farm } : {}),
      async wait(ms) {
        clock.advance(ms);
        await sleep(RULE_TICK_MS * 3);
      },
      async alerts() {
        const { rows } = await cloud.db.query<{ data: { rule_id: string; device_id: string; alert_id: string } }>(
          "SELECT data FROM gateway_events WHERE type = 'cn.gridlink.alert.raised.v1' ORDER BY arrival",
        );
        return rows.map(({ data }) => ({ rule: data.rule_id, device: data.device_id, alertId: data.alert_id }));
      },
      async incidents() {
        const { rows } = await cloud.db.query<{
          category_code: string;
          device_id: string;
          urgent: boolean;
          alerts: number;
        }>(
          `SELECT i.category_code, i.device_id, i.urgent,
                  (SELECT count(*)::int FROM incident_alerts a WHERE a.incident_id = i.id) AS alerts
             FROM incidents i ORDER BY i.created_at, i.id`,
        );
        return rows.map((row) => ({
          category: row.category_code,
          device: row.device_id,
          urgent: row.urgent,
          alerts: row.alerts,
        }));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
