/**
 * Test support: a real cloud (PostgreSQL through the testkit) behind a TCP fault proxy, with this
 * gateway registered, so uplink tests exercise the whole path — outbox, HTTP, intake, database.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import type { DeviceKind } from '@gridlink/protocol';
import { createTestDatabase, type FaultProxy, startFaultProxy } from '@gridlink/testkit';
import pg from 'pg';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { silentLogger, testDataDir } from '../test-support.js';

export const TEST_ADMIN_TOKEN = 'uplink-test-admin-token-0123456789abcdef';

export interface TestCloud {
  cloud: RunningCloud;
  proxy: FaultProxy;
  /** The cloud through the proxy, for the gateway's `uplink.url` (https when the cloud serves TLS). */
  url: string;
  /** The token issued to the gateway. */
  token: string;
  /** Rows of the cloud's event table, in arrival order. */
  events(): Promise<CloudRow[]>;
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface CloudRow {
  id: string;
  source: string;
  device_id: string | null;
  device_seq: string | null;
  type: string;
  priority: string;
  /** The CloudEvent's `time`. */
  time: Date;
  replayed: boolean;
  data: Record<string, unknown>;
  arrival: string;
}

export interface TestCloudTls {
  cert: string;
  key: string;
  ca: string;
  clientCertificates: 'off' | 'optional' | 'required';
}

export async function startTestCloud(
  gatewayId: string,
  /**
   * `community: null` registers the gateway with no community on record: the cloud then refuses
   * its alerts that name a place (until `cloud.registry.setCommunity`), a refusal tests can lift.
   */
  options: { tls?: TestCloudTls; community?: string | null } = {},
): Promise<TestCloud> {
  const database = await createTestDatabase();
  const config = CloudConfig.parse({
    cloud: { data_dir: testDataDir() },
    http: {
      host: '127.0.0.1',
      port: 0,
      ...(options.tls
        ? {
            tls: {
              enabled: true,
              cert_file: options.tls.cert,
              key_file: options.tls.key,
              ca_file: options.tls.ca,
              client_certificates: options.tls.clientCertificates,
            },
          }
        : {}),
    },
    database: { url: database.url },
    auth: { admin_token: TEST_ADMIN_TOKEN },
    log: { level: 'silent' },
  });
  const cloud = await startCloud(config, silentLogger(), { downlinkRecheckMs: 200 });
  const community = options.community === undefined ? '320803001001' : (options.community ?? undefined);
  const registered = await cloud.registry.register(gatewayId, 'test gateway', community);
  if (!registered.ok) throw new Error(`gateway ${gatewayId} is already registered`);
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: cloud.port });
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // Dropping the database ends idle connections with 57P01: expected here, not an error.
  pool.on('error', () => {});
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await pool.query<T>(sql, params)).rows;
  return {
    cloud,
    proxy,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${proxy.port}`,
    token: registered.issued.token,
    query,
    events: () =>
      query<CloudRow>(
        'SELECT id, source, device_id, device_seq, type, priority, time, replayed, data, arrival FROM gateway_events ORDER BY arrival',
      ),
    async stop() {
      await proxy.close();
      await cloud.stop();
      await pool.end();
      await database.drop();
    },
  };
}

export interface GatewayFiles {
  /** The gateway's YAML configuration file. */
  config: string;
  dir: string;
  /** Each registered device's generated password. */
  passwords: Map<string, string>;
  /** The environment for the gateway process: the uplink token comes from it, never from the file. */
  env: NodeJS.ProcessEnv;
}

/**
 * A gateway installation on disk for a real `gridlink-gateway start` process: a registry with the
 * devices given and a configuration whose uplink points at `cloudUrl`.
 */
export async function gatewayFiles(options: {
  gatewayId: string;
  cloudUrl: string;
  token: string;
  devices: Array<{ id: string; kind: DeviceKind }>;
  mqttPort?: number;
  backoff: { initialMs: number; maxMs: number };
}): Promise<GatewayFiles> {
  const dir = testDataDir();
  const dataDir = join(dir, 'data');
  const registry = DeviceRegistry.open(registryPathIn(dataDir));
  const passwords = new Map<string, string>();
  for (const device of options.devices) passwords.set(device.id, (await registry.addDevice(device)).password);
  registry.close();
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      'gateway:',
      `  id: ${options.gatewayId}`,
      '  community: "320803001001"',
      `  data_dir: ${JSON.stringify(dataDir)}`,
      `mqtt: { host: 127.0.0.1, port: ${options.mqttPort ?? 0} }`,
      'http: { port: 0 }',
      'uplink:',
      '  enabled: true',
      `  url: ${options.cloudUrl}`,
      `  backoff_initial_ms: ${options.backoff.initialMs}`,
      `  backoff_max_ms: ${options.backoff.maxMs}`,
      '  downlink: false',
      '',
    ].join('\n'),
  );
  return { config, dir, passwords, env: { ...process.env, GRIDLINK_UPLINK__TOKEN: options.token } };
}
