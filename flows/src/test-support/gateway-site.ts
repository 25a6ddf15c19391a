import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinRuleFile,
  Gateway,
  GatewayConfig,
  hashPassword,
  InMemoryDirectory,
  type ServiceAccount,
} from '@gridlink/gateway';
import type { DeviceKind, Place } from '@gridlink/protocol';
import type { TestCertificates } from '@gridlink/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';

export const COMMUNITY = '320803001001';
export const NODERED_PASSWORD = 'nodered-test-password-1';
const DEVICE_PASSWORD = 'device-test-password-1';

const place = (building: string, unit: string, floor: number): Place => ({
  community: COMMUNITY,
  building,
  unit,
  floor,
});

/** The site's devices: two water meters on one floor (one an elderly resident's), a smoke detector, a door. */
const DEVICES: Array<{ id: string; kind: DeviceKind; place: Place; tags?: string[] }> = [
  { id: 'wm-3-2-501', kind: 'water_meter', place: place('3', '2', 5), tags: ['elderly_alone'] },
  { id: 'wm-3-2-502', kind: 'water_meter', place: place('3', '2', 5) },
  { id: 'smoke-3-2-0501', kind: 'smoke_detector', place: place('3', '2', 5) },
  { id: 'ac-3-2', kind: 'access_control', place: place('3', '2', 1) },
];

/**
 * A real gateway on loopback (its broker, the built-in rules, bridge requests), with the devices above and
 * the integrator account `nodered`, which may command water meters only (`commandsPerMinute` of
 * them, 60 unless given).
 */
export async function startGatewaySite({
  commandsPerMinute,
  tls,
}: {
  commandsPerMinute?: number;
  /** Also a TLS listener with these certificates, taking client certificates of services and devices. */
  tls?: TestCertificates;
} = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gridlink-flows-gw-'));
  const devicePasswordHash = await hashPassword(DEVICE_PASSWORD);
  const nodered: ServiceAccount = {
    username: 'nodered',
    role: 'integrator',
    passwordHash: await hashPassword(NODERED_PASSWORD),
    grants: { commandDevices: [], commandKinds: ['water_meter'], ingestDevices: [] },
  };
  const directory = new InMemoryDirectory(
    DEVICES.map((device) => ({ ...device, status: 'active', passwordHash: devicePasswordHash })),
    [nodered],
  );
  const rules = join(dataDir, 'builtin.yaml');
  await writeFile(rules, builtinRuleFile());
  const config = GatewayConfig.parse({
    rules: { files: [rules] },
    gateway: { id: 'gw-flows-test', community: COMMUNITY, data_dir: dataDir },
    mqtt: {
      host: '127.0.0.1',
      port: 0,
      ...(tls
        ? {
            tls: {
              enabled: true,
              host: '127.0.0.1',
              port: 0,
              cert_file: tls.server.cert,
              key_file: tls.server.key,
              ca_file: tls.ca,
              client_certificates: 'optional',
            },
          }
        : {}),
      ...(commandsPerMinute
        ? {
            limits: {
              integrator_command_burst: commandsPerMinute,
              integrator_commands_per_minute: commandsPerMinute,
            },
          }
        : {}),
    },
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
  });
  const gateway = new Gateway({ config, directory, logger: pino({ level: 'silent' }) });
  await gateway.start();
  const clients: MqttClient[] = [];
  return {
    host: '127.0.0.1',
    port: gateway.ports.tcp,
    /** The TLS listener's port, when started with `tls`. */
    tlsPort: gateway.ports.tls,
    /** A device of the site, connected as itself. */
    async device(id: string): Promise<MqttClient> {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
        clientId: id,
        username: id,
        password: DEVICE_PASSWORD,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await gateway.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
export type GatewaySite = Awaited<ReturnType<typeof startGatewaySite>>;
