/**
 * `npm start`: the whole system on embedded defaults, for a first look and for development.
 * Today that is the gateway (embedded broker, per-device credentials, validation) and a simulated
 * community publishing into it; the console prints what happens.
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
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
const config = GatewayConfig.parse({
  gateway: { id: 'gw-dev-001', community: '320803001001', data_dir: '.gridlink/gateway' },
  mqtt: { host: '127.0.0.1', port },
  http: { host: '127.0.0.1', port: 0 },
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

const report = setInterval(() => {
  const { clients, valid, invalid, refused } = gateway.stats();
  const refusedTotal = Object.values(refused).reduce((a, b) => a + b, 0);
  say(
    `status      ${clients} clients · ${valid} valid messages · ${invalid} invalid (dead-lettered) · ${refusedTotal} refused`,
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
  say(`stopped: ${valid} valid messages, ${invalid} invalid`);
}

process.once('SIGINT', () => void shutdown('Ctrl-C').then(() => process.exit(0)));
process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
if (exitAfterSeconds !== undefined) {
  setTimeout(
    () => void shutdown(`--exit-after ${exitAfterSeconds}`).then(() => process.exit(0)),
    exitAfterSeconds * 1000,
  );
}
