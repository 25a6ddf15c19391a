/**
 * `npm start`: the whole system on embedded defaults, for a first look and for development: the
 * cloud on its embedded database (PGlite), the gateway (embedded broker, per-device credentials,
 * validation, rules, the durable outbox to the cloud) and a simulated community publishing into it.
 * The console prints what happens.
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { CloudConfig, startCloud } from '@gridlink/cloud';
import { Gateway, GatewayConfig, generateSecret, hashPassword, InMemoryDirectory } from '@gridlink/gateway';
import { DeviceSimulator, demoCommunity, seededRandom } from '@gridlink/simulators';
import { pino } from 'pino';

const { values: args } = parseArgs({
  options: {
    'exit-after': { type: 'string' },
    'per-kind': { type: 'string', default: '2' },
    'status-every': { type: 'string', default: '5' },
  },
});

const DEFAULT_MQTT_PORT = 1883;
const time = () => new Date().toISOString().slice(11, 19);
const say = (line: string) => console.log(`[${time()}] ${line}`);

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name}: expected a whole number, received ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const requestedPort = positiveInt('GRIDLINK_MQTT__PORT', process.env.GRIDLINK_MQTT__PORT);
const exitAfterSeconds = positiveInt('--exit-after', args['exit-after']);
const perKind = positiveInt('--per-kind', args['per-kind']) ?? 2;
const statusEverySeconds = positiveInt('--status-every', args['status-every']) || 5;

// Port 1883 is often taken by a system Mosquitto on developer machines: fall back to a free port
// and say so, unless a port was asked for explicitly.
let port = requestedPort ?? DEFAULT_MQTT_PORT;
let portNote = '';
if (requestedPort === undefined && !(await portIsFree(port))) {
  portNote = ` (port ${DEFAULT_MQTT_PORT} is in use by another program, so a free port was chosen)`;
  port = 0;
}

// Credentials are generated for this run and held only as hashes; the console account's password
// is shown once, here, so you can watch the traffic.
const devices = demoCommunity(perKind);
const directory = new InMemoryDirectory();
const consolePassword = generateSecret();
directory.addService({ username: 'console', role: 'observer', passwordHash: await hashPassword(consolePassword) });
const devicePasswords = new Map<string, string>();
await Promise.all(
  devices.map(async (device) => {
    const password = generateSecret();
    devicePasswords.set(device.id, password);
    directory.addDevice({ ...device, status: 'active', passwordHash: await hashPassword(password) });
  }),
);

const logger = pino({ level: process.env.GRIDLINK_LOG_LEVEL ?? 'warn' }, pino.destination(2));

// The cloud keeps its embedded database between runs; its admin token is new each run (no
// default secrets), and the gateway gets a fresh token: registered on the first run, rotated after.
const GATEWAY_ID = 'gw-dev-001';
const adminToken = generateSecret(32);
const cloud = await startCloud(
  CloudConfig.parse({
    cloud: { data_dir: '.gridlink/cloud' },
    http: { host: '127.0.0.1', port: 0 },
    auth: { admin_token: adminToken },
  }),
  logger.child({ service: 'cloud' }),
);
const registered = await cloud.registry.register(GATEWAY_ID, 'Development gateway');
const gatewayToken = registered.ok ? registered.issued.token : (await cloud.registry.rotate(GATEWAY_ID))?.token;
if (!gatewayToken) throw new Error(`the cloud could not issue a token for ${GATEWAY_ID}`);

const config = GatewayConfig.parse({
  gateway: { id: GATEWAY_ID, community: '320803001001', data_dir: '.gridlink/gateway' },
  mqtt: { host: '127.0.0.1', port },
  http: { host: '127.0.0.1', port: 0 },
  uplink: { enabled: true, url: cloud.url, token: gatewayToken },
});
const gateway = new Gateway({ config, directory, logger });
await gateway.start();
const { tcp: mqttPort, http: httpPort } = gateway.ports;
const url = `mqtt://127.0.0.1:${mqttPort}`;

console.log(`
Gridlink is running on embedded defaults (development mode).

  Gateway gw-dev-001, embedded MQTT broker: ${url}${portNote}
  Simulated community: ${devices.length} devices of ${new Set(devices.map((d) => d.kind)).size} kinds, each with its own credentials
  Watch all traffic:   mosquitto_sub -h 127.0.0.1 -p ${mqttPort} -u console -P '${consolePassword}' -t 'gridlink/#' -v
  Watch dead letters:  mosquitto_sub -h 127.0.0.1 -p ${mqttPort} -u console -P '${consolePassword}' -t 'gridlink/bridge/dead_letter/#' -v
  Gateway metrics:     http://127.0.0.1:${httpPort}/metrics   (health: /healthz, /readyz)
  Cloud (embedded database in .gridlink/cloud): ${cloud.url}   API: ${cloud.url}/openapi.json
  Cloud admin token for this run: ${adminToken}
  Send the gateway a command: curl -X POST ${cloud.url}/api/v1/gateways/${GATEWAY_ID}/downlink \\
      -H 'authorization: Bearer ${adminToken}' -H 'content-type: application/json' \\
      -d '{"id":"cmd-1","created_at":"2026-11-25T08:00:00.000Z","type":"device.command","data":{"device_id":"${devices.find((d) => d.kind === 'water_meter')?.id ?? ''}","command":{"valve":"close"}}}'
  Stop with Ctrl-C.
`);

gateway.bus.on('message', ({ device, message }) => {
  if (message.type === 'event') say(`event       ${device.id} ${message.eventType} ${JSON.stringify(message.payload)}`);
});
gateway.bus.on('invalid', ({ error }) => say(`dead letter ${error}`));

const random = seededRandom(2026);
const simulators = devices.map(
  (device) =>
    new DeviceSimulator({
      deviceId: device.id,
      kind: device.kind,
      password: devicePasswords.get(device.id) ?? '',
      brokerUrl: url,
      random,
      stateIntervalMs: 2000 + Math.floor(random() * 3000),
      eventChance: 0.05,
      malformedChance: 0.01,
    }),
);
await Promise.all(simulators.map((simulator) => simulator.start()));
say(`${simulators.length} simulated devices connected`);

const cloudEvents = async () =>
  Number((await cloud.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_events')).rows[0]?.n ?? 0);
const report = setInterval(async () => {
  const { clients, valid, invalid, refused, uplink } = gateway.stats();
  const refusedTotal = Object.values(refused).reduce((a, b) => a + b, 0);
  const waiting = uplink ? Object.values(uplink.outbox.depth).reduce((a, b) => a + b, 0) : 0;
  say(
    `status      ${clients} clients · ${valid} valid messages · ${invalid} invalid (dead-lettered) · ${refusedTotal} refused · cloud link ${uplink?.sender.link} · ${waiting} in outbox · ${await cloudEvents()} events in the cloud`,
  );
}, statusEverySeconds * 1000);

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  say(`stopping (${reason})`);
  await Promise.all(simulators.map((simulator) => simulator.stop().catch(() => {})));
  const { valid, invalid } = gateway.stats();
  await gateway.stop();
  const stored = await cloudEvents();
  await cloud.stop();
  say(`stopped: ${valid} valid messages, ${invalid} invalid, ${stored} events in the cloud`);
}

process.once('SIGINT', () => void shutdown('Ctrl-C').then(() => process.exit(0)));
process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
if (exitAfterSeconds !== undefined) {
  setTimeout(
    () => void shutdown(`--exit-after ${exitAfterSeconds}`).then(() => process.exit(0)),
    exitAfterSeconds * 1000,
  );
}
