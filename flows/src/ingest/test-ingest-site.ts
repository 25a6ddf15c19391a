import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Gateway,
  GatewayConfig,
  hashPassword,
  InMemoryDirectory,
  type InvalidMessage,
  type NormalisedMessage,
  type ServiceAccount,
} from '@gridlink/gateway';
import type { DeviceKind, Place } from '@gridlink/protocol';
import mqtt from 'mqtt';
import { pino } from 'pino';

export const COMMUNITY = '320803001001';
export const INTEGRATOR_PASSWORD = 'ingest-test-integrator-password-1';
const OBSERVER_PASSWORD = 'ingest-test-observer-password-1';

/**
 * A real gateway on loopback for the ingest node: third-party devices registered on it (a pump
 * room's temperature sensor and a vendor's water meter, both granted for ingest to the integrator
 * `nodered`, and a sensor it holds no grant for), and what its bus accepted or found invalid.
 */
export async function startIngestSite() {
  const dataDir = await mkdtemp(join(tmpdir(), 'gridlink-flows-ingest-'));
  const unused = await hashPassword('third-party-devices-never-connect-themselves');
  const nodered: ServiceAccount = {
    username: 'nodered',
    role: 'integrator',
    passwordHash: await hashPassword(INTEGRATOR_PASSWORD),
    grants: { commandDevices: [], commandKinds: [], ingestDevices: ['th-pump-1', 'wm-vendor-1'] },
  };
  const observer: ServiceAccount = {
    username: 'console',
    role: 'observer',
    passwordHash: await hashPassword(OBSERVER_PASSWORD),
  };
  const place = { community: COMMUNITY, building: 'pump' };
  const directory = new InMemoryDirectory(
    (
      [
        { id: 'th-pump-1', kind: 'temp_humidity', place, tags: ['vendor_modbus'] },
        { id: 'wm-vendor-1', kind: 'water_meter', place },
        { id: 'th-not-granted', kind: 'temp_humidity', place },
      ] as Array<{ id: string; kind: DeviceKind; place: Place; tags?: string[] }>
    ).map((device) => ({ ...device, status: 'active' as const, passwordHash: unused })),
    [nodered, observer],
  );
  const config = GatewayConfig.parse({
    gateway: { id: 'gw-flows-ingest', community: COMMUNITY, data_dir: dataDir },
    mqtt: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
  });
  const gateway = new Gateway({ config, directory, logger: pino({ level: 'silent' }) });
  let readers = 0;
  const accepted: NormalisedMessage[] = [];
  const invalid: InvalidMessage[] = [];
  gateway.bus.on('message', (message) => accepted.push(message));
  gateway.bus.on('invalid', (message) => invalid.push(message));
  await gateway.start();
  return {
    host: '127.0.0.1',
    port: gateway.ports.tcp,
    /** Device messages the gateway accepted, in order. */
    accepted,
    /** Messages the gateway's own validation refused. */
    invalid,
    /** The first message a reader subscribing to `topic` now receives, and whether it came retained. */
    async firstOn(topic: string): Promise<{ payload: string; retained: boolean }> {
      const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
        clientId: `svc-console-reader-${++readers}`,
        username: 'console',
        password: OBSERVER_PASSWORD,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      try {
        const first = new Promise<{ payload: string; retained: boolean }>((resolve) => {
          reader.on('message', (_topic, payload, packet) =>
            resolve({ payload: payload.toString(), retained: packet.retain }),
          );
        });
        await reader.subscribeAsync(topic, { qos: 1 });
        return await first;
      } finally {
        await reader.endAsync(true);
      }
    },
    async close() {
      await gateway.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
export type IngestSite = Awaited<ReturnType<typeof startIngestSite>>;
