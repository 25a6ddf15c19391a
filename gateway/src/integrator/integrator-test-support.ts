import type { BridgeResponse, DeadLetter } from '@gridlink/protocol';
import type { IClientOptions, MqttClient } from 'mqtt';
import { answerBridgeRequests } from '../bridge-requests.js';
import { startTestBroker, type TestBroker } from '../broker/broker-test-support.js';
import { GatewayBus, type NormalisedMessage } from '../bus.js';
import type { GatewayConfigInput } from '../config/schema.js';
import { attachNormaliser } from '../ingest/normalise.js';
import { DeviceRegistry, type GrantChange } from '../registry/index.js';
import { listDevices } from './devices-list.js';

export const COMMUNITY = '320803001001';

type MqttLimits = NonNullable<NonNullable<GatewayConfigInput['mqtt']>['limits']>;

/**
 * A small site on a real registry (SQLite in memory) behind the real broker on loopback: two water
 * meters and a door controller that connect themselves, a temperature sensor of a third party that
 * an integrator brings in, an observer, an installer and the integrator `nodered` with `grants`.
 * The device path (normaliser, dead letters) and `devices/list` are wired as on a gateway.
 */
export async function startIntegratorSite(
  grants: GrantChange,
  { limits, now }: { limits?: MqttLimits; now?: () => number } = {},
) {
  const registry = DeviceRegistry.open(':memory:');
  const place = { community: COMMUNITY, building: '3', unit: '2' };
  const issued = await registry.addDevices([
    { id: 'wm-3-2-501', kind: 'water_meter', ...place, floor: 5, room: '501', tags: ['elderly_alone'] },
    { id: 'wm-3-2-502', kind: 'water_meter', ...place, floor: 5, room: '502' },
    { id: 'ac-3-2', kind: 'access_control', ...place },
    { id: 'th-pump-1', kind: 'temp_humidity', community: COMMUNITY, building: 'pump', tags: ['vendor_modbus'] },
  ]);
  const passwords = Object.fromEntries(issued.map(({ device, password }) => [device.id, password]));
  const nodered = await registry.addService('nodered', 'integrator', grants);
  const observer = await registry.addService('console', 'observer');
  const installer = await registry.addService('installer-li', 'installer');
  const broker: TestBroker = await startTestBroker(registry, {
    audit: (entry) => registry.audit(entry),
    ...(now ? { now } : {}),
    ...(limits ? { config: { mqtt: { limits } } } : {}),
  });
  const bus = new GatewayBus();
  const accepted: NormalisedMessage[] = [];
  bus.on('message', (message) => accepted.push(message));
  attachNormaliser(broker.broker, bus, broker.publisher, 'gridlink');
  await answerBridgeRequests(broker.broker.aedes, broker.publisher, 'gridlink', {
    'devices/list': () => listDevices(registry),
  });
  const as = (username: string, password: string, extra: IClientOptions = {}) =>
    broker.connect({ clientId: `svc-${username}`, username, password, ...extra });
  return {
    registry,
    broker,
    /** Messages the gateway accepted from devices (the bus), in order. */
    accepted,
    integrator: (extra?: IClientOptions) => as('nodered', nodered.password, extra),
    observer: () => as('console', observer.password),
    installer: () => as('installer-li', installer.password),
    device: (id: string) => broker.connect({ clientId: id, username: id, password: passwords[id] as string }),
    async close() {
      await broker.close();
      registry.close();
    },
  };
}
export type IntegratorSite = Awaited<ReturnType<typeof startIntegratorSite>>;

/** Every message a client receives, as `topic payload`. */
export function inbox(client: MqttClient): string[] {
  const messages: string[] = [];
  client.on('message', (topic, payload) => messages.push(`${topic} ${payload.toString()}`));
  return messages;
}

/** Dead letters a client receives, parsed. */
export function deadLetters(client: MqttClient): DeadLetter[] {
  const letters: DeadLetter[] = [];
  client.on('message', (topic, payload) => {
    if (topic.startsWith('gridlink/bridge/dead_letter/')) letters.push(JSON.parse(payload.toString()) as DeadLetter);
  });
  return letters;
}

/** Resolves when the client's connection is closed by the broker. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

let transactions = 0;

/** Sends a bridge request and waits for the response with its transaction. */
export async function request(client: MqttClient, command: string, body: Record<string, unknown> = {}) {
  const transaction = `t-${++transactions}`;
  const response = new Promise<BridgeResponse>((resolve) =>
    client.on('message', (topic, payload) => {
      if (topic !== `gridlink/bridge/response/${command}`) return;
      const parsed = JSON.parse(payload.toString()) as BridgeResponse;
      if (parsed.transaction === transaction) resolve(parsed);
    }),
  );
  await client.subscribeAsync(`gridlink/bridge/response/${command}`, { qos: 1 });
  await client.publishAsync(`gridlink/bridge/request/${command}`, JSON.stringify({ transaction, ...body }), { qos: 1 });
  return response;
}
