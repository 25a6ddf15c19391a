/**
 * Test support: one scenario's world, all real — its devices registered with their own
 * credentials and places in the gateway (embedded broker, the built-in rules, the outbox), the
 * gateway's uplink through a TCP fault proxy (the cloud link a scenario can cut) to the cloud on a
 * throwaway PostgreSQL database of the testkit. The gateway and the devices run on the scenario's
 * clock, which the scenario drives (compressed time).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import {
  builtinRuleFile,
  Gateway,
  GatewayConfig,
  generateSecret,
  hashPassword,
  InMemoryDirectory,
} from '@gridlink/gateway';
import { type ManualClock, manualClock, type Scenario, scenarioDevices } from '@gridlink/simulators';
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
  /** Scenario time passes: the clock moves, then the gateway's rules get to look at it. */
  wait(ms: number): Promise<void>;
  /** Alerts raised, as the cloud received them. */
  alerts(): Promise<RaisedAlert[]>;
  /** Incidents the cloud opened, with the number of alerts linked to each. */
  incidents(): Promise<OpenedIncident[]>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const registered = await cloud.registry.register(SCENARIO_GATEWAY, 'Scenario gateway');
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
      }),
      directory,
      logger,
      now: clock,
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
