/**
 * `npm start`: the whole system on embedded defaults, for a first look and for development: the
 * cloud on its embedded database (PGlite), the gateway (embedded broker, its device registry with
 * per-device credentials and installer tags, validation, the built-in rules, the durable outbox to
 * the cloud) and a simulated community publishing into it, generated building by building; its
 * ONVIF cameras run as simulated cameras the gateway finds and subscribes to over ONVIF. Scripted
 * scenarios can be played against it while it runs (`npm run sim -- run <scenario>`). The console
 * prints what happens.
 *
 * Options: --community small|full, --per-kind N (a few devices of every kind instead), --data-dir,
 * --exit-after S, --status-every S, --report-every S (heartbeat cap of the MQTT devices),
 * --camera-event-every S (mean seconds between two happenings in front of one camera; 600 by default),
 * --wear some|none (whether a few devices fall silent and a few batteries run low over the first
 * three minutes, so the property manager's pages show them; some by default), --node-red on|off (Node-RED
 * with the Gridlink nodes and the ready flows, in its own process, beside simulated third-party systems
 * the flows call: an SMS provider, an IP speaker, a WeCom group robot, a vendor's access control; on by
 * default), --node-red-port N (1880 by default; 0 picks a free port).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudConfig, startCloud, TerritoryStore } from '@gridlink/cloud';
import {
  builtinRuleFile,
  DeviceRegistry,
  Gateway,
  GatewayConfig,
  generateSecret,
  importDevicesCsv,
  registryPathIn,
} from '@gridlink/gateway';
import { profileOf } from '@gridlink/protocol';
import {
  AccessControlTerminal,
  allScenarioDevices,
  type CommunityDevice,
  cloudCaller,
  cloudPlacements,
  DeviceSimulator,
  demoCommunity,
  FULL_COMMUNITY,
  fork,
  generateCommunity,
  layOut,
  planWear,
  registryCsv,
  residentsOf,
  SCENARIOS,
  SMALL_COMMUNITY,
  seededRandom,
  signIn,
  territoryUnits,
} from '@gridlink/simulators';
import { pino } from 'pino';
import { closeForCallback } from './start-callbacks.js';
import { CAMERA_USERNAME, CameraActivity, startCommunityCameras } from './start-cameras.js';
import { type StartedFlows, startFlows } from './start-flows.js';
import { startHotline } from './start-hotline.js';
import { startIntegrationAccount } from './start-integration-account.js';
import { startIntegrations, VENDOR_DOORS, vendorDoorDeviceId } from './start-integrations.js';
import { layTerritory, planRoutes, walkEarlierRounds, walkLive } from './start-patrol.js';
import { startTelemetry } from './start-telemetry.js';
import { GRID_WORKER, gridWorkerName, startUsers } from './start-users.js';

const { values: args } = parseArgs({
  options: {
    'exit-after': { type: 'string' },
    community: { type: 'string', default: 'small' },
    'data-dir': { type: 'string', default: '.gridlink' },
    'per-kind': { type: 'string' },
    'report-every': { type: 'string', default: '30' },
    'status-every': { type: 'string', default: '5' },
    'camera-event-every': { type: 'string', default: '600' },
    wear: { type: 'string', default: 'some' },
    'node-red': { type: 'string', default: 'on' },
    'node-red-port': { type: 'string' },
  },
});

const DEFAULT_MQTT_PORT = 1883;
const GATEWAY_ID = 'gw-dev-001';
const COMMUNITY_CODE = '320803001001';
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
const perKind = positiveInt('--per-kind', args['per-kind']);
const reportEverySeconds = positiveInt('--report-every', args['report-every']) || 30;
const statusEverySeconds = positiveInt('--status-every', args['status-every']) || 5;
const nodeRedPort = positiveInt('--node-red-port', args['node-red-port']);
const cameraEventEverySeconds = positiveInt('--camera-event-every', args['camera-event-every']) || 600;
/** Where the cloud's embedded database, the gateway's data and the scenario credentials live. */
const DATA_DIR = args['data-dir'];
if (args.wear !== 'some' && args.wear !== 'none') {
  console.error(
    `--wear: expected some (a few devices fall silent, a few batteries run low) or none, received ${args.wear}`,
  );
  process.exit(1);
}
if (args['node-red'] !== 'on' && args['node-red'] !== 'off') {
  console.error(
    `--node-red: expected on (Node-RED with the Gridlink nodes and the ready flows) or off, received ${args['node-red']}`,
  );
  process.exit(1);
}
if (args.community !== 'small' && args.community !== 'full') {
  console.error(`--community: expected small (72 households) or full (504 households), received ${args.community}`);
  process.exit(1);
}

// Port 1883 is often taken by a system Mosquitto on developer machines: fall back to a free port
// and say so, unless a port was asked for explicitly.
let port = requestedPort ?? DEFAULT_MQTT_PORT;
let portNote = '';
if (requestedPort === undefined && !(await portIsFree(port))) {
  portNote = ` (port ${DEFAULT_MQTT_PORT} is in use by another program, so a free port was chosen)`;
  port = 0;
}

// The community: generated building by building (or, with --per-kind, a few devices of every
// kind). The devices scenarios drive are registered too, but kept out of the background
// simulation: `npm run sim -- run …` connects as them.
const generated =
  perKind === undefined
    ? generateCommunity({
        ...(args.community === 'full' ? FULL_COMMUNITY : SMALL_COMMUNITY),
        community: COMMUNITY_CODE,
      })
    : undefined;
// Only scenarios that need nothing but MQTT devices can be played against a running system (the
// cloud outage and the camera storm need the link and the cameras in their test's hands).
const liveScenarios = SCENARIOS.filter((scenario) => !scenario.needs?.length);
const reservedIds = new Set(generated ? allScenarioDevices(liveScenarios).map((device) => device.id) : []);
const devices: CommunityDevice[] = generated
  ? [
      ...generated.devices,
      // Scenario devices outside this community's size (a larger building) join it as they are.
      ...allScenarioDevices(liveScenarios).filter((device) => !generated.devices.some((d) => d.id === device.id)),
    ]
  : demoCommunity(perKind).map((device) => ({ ...device, place: { community: COMMUNITY_CODE } }));
const reserved = devices.filter((device) => reservedIds.has(device.id));

// The gateway's device registry, as a real gateway keeps it: the community goes in through its
// CSV export (places and installer tags, so the elderly-alone rules find their households) and
// the console account beside it. Passwords are generated for this run, shown once and stored only
// as hashes. The registry is rebuilt every run: the community is generated anew and its passwords
// live only in this process, while a registry never reuses an id, not even a retired one.
const GATEWAY_DIR = join(DATA_DIR, 'gateway');
mkdirSync(GATEWAY_DIR, { recursive: true });
const registryFile = registryPathIn(GATEWAY_DIR);
for (const suffix of ['', '-wal', '-shm']) rmSync(`${registryFile}${suffix}`, { force: true });
const registry = DeviceRegistry.open(registryFile);
const issued = await importDevicesCsv(registry, registryCsv(devices));
const devicePasswords = new Map(issued.map(({ device, password }) => [device.id, password]));
const consolePassword = (await registry.addService('console', 'observer')).password;
// The installer who signs in to the gateway's own web console (commissioning from the guard room).
const INSTALLER = 'installer';
const installerPassword = (await registry.addService(INSTALLER, 'installer')).password;
// The vendor's doors, registered as the access_control devices the ready vendor flow publishes as.
await registry.addDevices(
  VENDOR_DOORS.map((door) => ({ id: vendorDoorDeviceId(door), kind: 'access_control', community: COMMUNITY_CODE })),
);
// Node-RED's flows read the gateway as an integrator granted only what they use: no command, and
// ingest as the vendor's doors.
const NODE_RED_ACCOUNT = 'node-red';
const nodeRedPassword = (
  await registry.addService(NODE_RED_ACCOUNT, 'integrator', { ingestDevices: VENDOR_DOORS.map(vendorDoorDeviceId) })
).password;

// The scenario devices' credentials, for `npm run sim` (readable by this user only).
const credentialsFile = join(DATA_DIR, 'sim-credentials.json');
const writeCredentials = (broker: string) =>
  writeFileSync(
    credentialsFile,
    `${JSON.stringify(
      {
        broker,
        base_topic: 'gridlink',
        devices: Object.fromEntries(reserved.map((device) => [device.id, devicePasswords.get(device.id)])),
        observer: { username: 'console', password: consolePassword },
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );

// The built-in rules (docs/domain.md §7 default policy) in a file you may edit: written once, then yours.
const rulesFile = join(GATEWAY_DIR, 'rules.yaml');
if (!existsSync(rulesFile)) writeFileSync(rulesFile, builtinRuleFile());

const logger = pino({ level: process.env.GRIDLINK_LOG_LEVEL ?? 'warn' }, pino.destination(2));

const SECRETS_DIR = join(DATA_DIR, 'secrets');
const writeSecret = (file: string, content: string) => {
  mkdirSync(SECRETS_DIR, { recursive: true, mode: 0o700 });
  chmodSync(SECRETS_DIR, 0o700);
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
};

// The cloud keeps its embedded database between runs; its admin token is new each run (no
// default secrets), and the gateway gets a fresh token: registered on the first run, rotated after.
// The secret personal data is sealed with is made once and kept (owner-only), like the database:
// a new one each run would leave what earlier runs sealed unreadable.
const adminToken = generateSecret(32);
const dataSecretFile = join(SECRETS_DIR, 'data-secret');
const dataSecret = existsSync(dataSecretFile)
  ? readFileSync(dataSecretFile, 'utf8').trim()
  : readFileSync(writeSecret(dataSecretFile, `${generateSecret(32)}\n`), 'utf8').trim();
const cloud = await startCloud(
  CloudConfig.parse({
    cloud: { data_dir: join(DATA_DIR, 'cloud') },
    http: { host: '127.0.0.1', port: 0 },
    auth: { admin_token: adminToken },
    privacy: { data_secret: dataSecret },
  }),
  logger.child({ service: 'cloud' }),
  {
    // Development only: no SMS gateway, so residents' SMS codes and tracking codes print here
    // (with the number masked) for the developer to type in. A production cloud has none of this.
    smsProvider: {
      send: async (phone, text) => say(`sms         to ${phone.slice(0, 3)}****${phone.slice(-4)}: ${text}`),
    },
  },
);
const registered = await cloud.registry.register(GATEWAY_ID, 'Development gateway', COMMUNITY_CODE);
if (!registered.ok) await cloud.registry.setCommunity(GATEWAY_ID, COMMUNITY_CODE);
const gatewayToken = registered.ok ? registered.issued.token : (await cloud.registry.rotate(GATEWAY_ID))?.token;
if (!gatewayToken) throw new Error(`the cloud could not issue a token for ${GATEWAY_ID}`);

// The cloud learns where the devices are (its territory and device placements), so alerts reach
// the right grid. Placements are kept between runs; a device already placed stays where it was.
let placementNote = '';
if (generated) {
  const territory = new TerritoryStore(cloud.db);
  await territory.upsertUnits(territoryUnits(generated));
  await territory.upsertBuildings(generated.units);
  const refusals: string[] = [];
  const placed = cloudPlacements({ ...generated, devices }, GATEWAY_ID, new Date('2026-01-01T00:00:00.000Z'));
  for (const placement of placed)
    await territory
      .placeDevice(placement)
      .catch((err: Error) => refusals.push(`${placement.deviceId}: ${err.message}`));
  placementNote = `, ${placed.length - refusals.length} placed in the cloud's grids`;
  if (refusals.length > 0)
    console.warn(`The cloud kept its own record of ${refusals.length} device placements, e.g. ${refusals[0]}`);
}

// People to sign in to the cloud's web pages with (there are no default accounts): made through
// the cloud's API with this run's admin token, each with a password generated for this run.
// Every grid of the community gets a grid worker on duty, so automatic dispatch always finds one.
const grids = generated?.grids ?? [`${COMMUNITY_CODE}001`];
const firstGrid = grids[0] as string;
const signIns = await startUsers(cloud.url, adminToken, { community: COMMUNITY_CODE, grids }, new Date());

// Grid workers on patrol: the community gets outlines on the ground and each grid a daily route;
// every worker has walked one round already, and the first grid's worker walks live meanwhile.
const patrolling = new AbortController();
let patrolNote = '';
let callbackNote = '';
if (generated) {
  const geography = layOut(generated);
  const outlines = await layTerritory(
    new TerritoryStore(cloud.db),
    generated,
    geography,
    new Date('2026-01-01T00:00:00.000Z'),
  );
  const passwordOf = (username: string) => signIns.find((s) => s.username === username)?.password ?? '';
  const dispatcher = cloudCaller(cloud.url, await signIn(cloud.url, 'dev.dispatcher', passwordOf('dev.dispatcher')));
  const routes = await planRoutes(dispatcher, generated, geography);
  const runId = `run${Date.now().toString(36)}`;
  const workers = grids.map((grid, i) => ({
    grid,
    username: gridWorkerName(i + 1),
    password: passwordOf(gridWorkerName(i + 1)),
  }));
  const walked = await walkEarlierRounds(cloud.url, workers, routes, new Date(), runId);
  // A couple of closed incidents, so the callback agent's queue has work (回访).
  const firstWorker = workers[0];
  if (firstWorker) {
    const worker = cloudCaller(cloud.url, await signIn(cloud.url, firstWorker.username, firstWorker.password));
    const due = await closeForCallback({ dispatcher, worker, community: COMMUNITY_CODE, grid: firstGrid, runId });
    callbackNote = `${due.length} closed incidents wait for dev.callback's callback`;
  }
  const liveRoute = routes.get(firstGrid);
  if (liveRoute && workers[0])
    void walkLive(cloud.url, workers[0], liveRoute, runId, patrolling.signal, (err) =>
      say(`patrol      ${err.message}`),
    );
  patrolNote = `${outlines > 0 ? `${outlines} outlines added to the territory, ` : ''}${routes.size} routes, ${walked.length} rounds walked earlier (${walked.reduce((n, w) => n + w.outcome.accepted, 0)} positions, ${walked.reduce((n, w) => n + w.outcome.checkins.length, 0)} check-ins); ${GRID_WORKER} is walking live`;
}

// The community's ONVIF cameras run as simulated cameras (not as MQTT devices): the gateway
// finds them by WS-Discovery, logs in with their passwords and subscribes to their events.
const cameraIds = devices
  .filter((device) => device.kind === 'onvif_camera' && !reservedIds.has(device.id))
  .map((device) => device.id);
const cameras = cameraIds.length > 0 ? await startCommunityCameras(cameraIds, GATEWAY_DIR) : undefined;

// The community's readings go to an InfluxDB of its own when influxd is installed.
const telemetry = await startTelemetry(DATA_DIR);

const config = GatewayConfig.parse({
  gateway: { id: GATEWAY_ID, community: COMMUNITY_CODE, data_dir: GATEWAY_DIR },
  // Every simulated device connects from this machine: the per-address cap (a guard against one
  // misbehaving host) must let the whole community in.
  mqtt: { host: '127.0.0.1', port, limits: { connections_per_address: devices.length + 100 } },
  http: { host: '127.0.0.1', port: 0 },
  rules: { files: [rulesFile] },
  uplink: { enabled: true, url: cloud.url, token: gatewayToken },
  // Health every minute, not every 15, and readings windows of a minute: the batteries the wear runs
  // down and the device pages' charts fill within the first minutes of a run.
  inventory: { device_health_interval_s: 60, gateway_health_interval_s: 60, readings_window_s: 60 },
  ...(telemetry.on ? { telemetry: telemetry.config } : {}),
  ...(cameras ? { onvif: cameras.config } : {}),
});
const gateway = new Gateway({
  config,
  directory: registry,
  logger,
  ...(cameras ? { onvif: cameras.options } : {}),
});
await gateway.start();
const { tcp: mqttPort, http: httpPort } = gateway.ports;
const url = `mqtt://127.0.0.1:${mqttPort}`;
writeCredentials(url);

// The third-party systems the ready flows call, simulated, and Node-RED with the Gridlink nodes and
// the ready flows in its own process. A Node-RED that cannot start stops npm start with its reason.
const integrations = await startIntegrations(SECRETS_DIR);
// Node-RED's cloud account: an operator of the community only, with this run's API token.
const nodeRedCloud = await startIntegrationAccount(cloud.url, adminToken, COMMUNITY_CODE);
// A simulated 12345 hotline platform: files two orders and logs every signed push-back it hears.
const hotline = await startHotline(cloud.url, adminToken, COMMUNITY_CODE, join(DATA_DIR, 'hotline-platform.log'));
let flows: StartedFlows | undefined;
if (args['node-red'] === 'on') {
  try {
    flows = await startFlows({
      dataDir: DATA_DIR,
      requestedPort: nodeRedPort,
      env: {
        ...integrations.env,
        GRIDLINK_GATEWAY_HOST: '127.0.0.1',
        GRIDLINK_GATEWAY_PORT: String(mqttPort),
        GRIDLINK_GATEWAY_USERNAME: NODE_RED_ACCOUNT,
        GRIDLINK_GATEWAY_PASSWORD: nodeRedPassword,
        GRIDLINK_CLOUD_URL: cloud.url,
        GRIDLINK_CLOUD_TOKEN: nodeRedCloud.token,
        // Every family's text goes to one development number (China Mobile's well-known test number).
        GRIDLINK_FAMILY_CONTACTS: JSON.stringify({ '*': '+8613800138000' }),
      },
      say,
    });
    integrations.vendor.setWebhook({
      url: `${flows.hooks.url}/vendor/access`,
      secret: integrations.vendorWebhookSecret,
      authorization: flows.hooks.authorization,
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n(npm start -- --node-red off starts everything else without Node-RED.)`);
    await integrations.stop();
    await hotline.stop();
    await gateway.stop();
    registry.close();
    await cameras?.stop();
    if (telemetry.on) await telemetry.stop();
    await cloud.stop();
    process.exit(1);
  }
}

const running = devices.filter((device) => !reservedIds.has(device.id) && !cameraIds.includes(device.id));
const kinds = new Set(devices.map((d) => d.kind)).size;
const what = generated
  ? ` (generated: ${generated.households.length} households in ${new Set(generated.units.map((u) => u.building)).size} buildings${placementNote})`
  : '';
// Secrets never go inside a printed command line (shell history, `ps`): each is printed once on
// a line of its own and kept in an owner-only file, and the commands read them from their files.
const adminTokenFile = writeSecret(join(SECRETS_DIR, 'admin-token'), `${adminToken}\n`);
// `curl -H @file` reads the header from the file.
const adminHeaderFile = writeSecret(join(SECRETS_DIR, 'admin-token.header'), `authorization: Bearer ${adminToken}\n`);
// mosquitto_sub reads options from $XDG_CONFIG_HOME/mosquitto_sub, one per line, before its arguments.
const consoleConfigDir = join(SECRETS_DIR, 'console');
mkdirSync(consoleConfigDir, { recursive: true, mode: 0o700 });
chmodSync(consoleConfigDir, 0o700);
const consoleOptionsFile = join(consoleConfigDir, 'mosquitto_sub');
writeFileSync(
  consoleOptionsFile,
  `-h 127.0.0.1\n-p ${mqttPort}\n-u console\n-I svc-console-\n-P ${consolePassword}\n`,
  { mode: 0o600 },
);
chmodSync(consoleOptionsFile, 0o600);
const consolePasswordFile = writeSecret(join(SECRETS_DIR, 'console.password'), `${consolePassword}\n`);
const installerPasswordFile = writeSecret(join(SECRETS_DIR, 'installer.password'), `${installerPassword}\n`);
const watch = `XDG_CONFIG_HOME='${consoleConfigDir}' mosquitto_sub`;
const firstCamera = cameras?.farm.cameras[0];
const cameraSummary =
  cameras && firstCamera
    ? `
  ONVIF cameras: ${cameras.farm.cameras.length} simulated camera${cameras.farm.cameras.length === 1 ? '' : 's'} on 127.0.0.1 (${cameras.push} push, ${cameras.farm.cameras.length - cameras.push} PullPoint), found by WS-Discovery and subscribed to by the gateway
      their passwords, made for this run, are only in ${cameras.passwordDir} (owner-only)
  Camera health:       ${watch} -t 'gridlink/bridge/health' -C 1   (cameras: online, authenticated, subscribed)
  Camera events:       ${watch} -t 'gridlink/${firstCamera.id}/#' -v
  A camera snapshot:   curl --digest -u ${CAMERA_USERNAME}:"$(cat ${join(cameras.passwordDir, `${firstCamera.id}.password`)})" '${cameras.snapshotUrl(firstCamera)}' -o snapshot.jpg
      (the gateway keeps the snapshots of camera events in ${join(GATEWAY_DIR, 'media')})`
    : '';
console.log(`
Gridlink is running on embedded defaults (development mode).

  Gateway gw-dev-001, embedded MQTT broker: ${url}${portNote}
  Simulated community: ${devices.length} devices of ${kinds} kinds, each with its own credentials${what}${cameraSummary}
  Device registry:     ${registryFile} (rebuilt each run)
      npx gridlink-gateway device list --registry ${registryFile} --tag elderly_alone
  Rules: the built-in rules in ${rulesFile} (edit it; the gateway reloads it)
  Read-only MQTT account console, its password for this run (also in ${consolePasswordFile}, owner-only):
      ${consolePassword}
  Watch all traffic:   ${watch} -t 'gridlink/#' -v
  Watch alerts:        ${watch} -t 'gridlink/alert/#' -v
  Watch dead letters:  ${watch} -t 'gridlink/bridge/dead_letter/#' -v
      (mosquitto_sub reads host, port, username and password from ${consoleOptionsFile}, owner-only)
  Installer console:   http://127.0.0.1:${httpPort}/   sign in as ${INSTALLER}, its password for this run (also in ${installerPasswordFile}, owner-only):
      ${installerPassword}
      (the read-only account console above signs in there too, as an observer)
  Gateway metrics:     http://127.0.0.1:${httpPort}/metrics   (health: /healthz, /readyz)
  ${telemetry.summary}
  Cloud (embedded database in ${join(DATA_DIR, 'cloud')}): ${cloud.url}   API: ${cloud.url}/openapi.json
  Cloud admin token for this run (also in ${adminTokenFile}, owner-only):
      ${adminToken}
  Resident reports:    ${cloud.url}/#/report-problem   (随手拍, no account; follow one at ${cloud.url}/#/track)
      SMS codes for residents print in this terminal (development only); Open311: ${cloud.url}/api/v1/open311/v2/services.json
  Web pages:           ${cloud.url}/   sign in as (passwords made for this run):
${signIns.map((s) => `      ${s.username.padEnd(16)} ${s.password}   ${s.what}`).join('\n')}
      watch ${GRID_WORKER}'s incidents: the list fills as scenarios and cameras raise incidents in grid ${firstGrid}${
        patrolNote
          ? `
  Patrol:              ${patrolNote}`
          : ''
      }${
        callbackNote
          ? `
  Callbacks (回访):     ${callbackNote}`
          : ''
      }
  ${flows ? flows.summary : 'Node-RED: off (--node-red on starts it with the Gridlink nodes and the ready flows)'}
  ${integrations.summary()}
  ${hotline.summary()}
  Send the gateway a command: curl -X POST ${cloud.url}/api/v1/gateways/${GATEWAY_ID}/downlink \\
      -H @'${adminHeaderFile}' -H 'content-type: application/json' \\
      -d '{"id":"cmd-1","created_at":"2026-11-25T08:00:00.000Z","type":"device.command","data":{"device_id":"${running.find((d) => d.kind === 'water_meter')?.id ?? ''}","command":{"valve":"close"}}}'${
        generated
          ? `
  Scenarios (${reserved.length} devices are kept for them; their credentials are in ${credentialsFile}):
      npm run sim -- list
      npm run sim -- run fire-building-3 --credentials ${credentialsFile}`
          : ''
      }
  Stop with Ctrl-C.
`);

gateway.bus.on('message', ({ device, message }) => {
  if (message.type === 'event' && message.eventType !== 'reading' && message.eventType !== 'access')
    say(`event       ${device.id} ${message.eventType} ${JSON.stringify(message.payload)}`);
});
gateway.bus.on('invalid', ({ error }) => say(`dead letter ${error}`));
cloud.incidents.onChange(({ incident, step, repeated }) => {
  if (repeated) return;
  const what = step
    ? `${step.action} → ${incident.state}`
    : incident.occurrences === 1
      ? 'opened from an alert'
      : `alert joined (${incident.occurrences} occurrences)`;
  say(
    `incident    ${incident.id} ${incident.categoryCode}${incident.urgent ? ' (urgent)' : ''} ${what}: ${incident.title}`,
  );
});

const random = seededRandom(2026);
const simulators = running.map((device) => {
  // The generated community reports at its profiles' heartbeat, capped by --report-every so a
  // first look shows traffic; the --per-kind demo reports every few seconds with random events.
  const heartbeatMs = Math.min(profileOf(device.kind).heartbeat_s, reportEverySeconds) * 1000;
  return new DeviceSimulator({
    deviceId: device.id,
    kind: device.kind,
    password: devicePasswords.get(device.id) ?? '',
    brokerUrl: url,
    random: fork(random, device.id),
    stateIntervalMs: generated ? Math.round(heartbeatMs * (0.8 + random() * 0.4)) : 2000 + Math.floor(random() * 3000),
    eventChance: generated ? 0 : 0.05,
    malformedChance: generated ? 0.002 : 0.01,
    ...(device.litresPerDay === undefined ? {} : { litresPerDay: device.litresPerDay }),
  });
});
// Devices come up a few dozen at a time, as a community does after a power cut, not all in the
// same millisecond (each connect costs the gateway a password check).
const failed: string[] = [];
for (let from = 0; from < simulators.length; from += 50) {
  await Promise.all(
    simulators.slice(from, from + 50).map((simulator) =>
      simulator.start().catch((err: Error) => {
        failed.push(`${simulator.id}: ${err.message}`);
      }),
    ),
  );
}
say(
  `${simulators.length - failed.length} simulated devices connected${failed.length > 0 ? ` (${failed.length} could not connect, e.g. ${failed[0]})` : ''}`,
);

// Residents pass the unit entrances: card, face and QR openings by the time of day.
const terminals = simulators
  .filter((simulator) => simulator.kind === 'access_control')
  .map((simulator) => {
    const households = running.find((device) => device.id === simulator.id)?.households ?? 20;
    return new AccessControlTerminal(
      simulator,
      residentsOf(random, simulator.id, households),
      fork(random, simulator.id),
      Date.now,
    );
  });
const entrances = setInterval(() => {
  for (const terminal of terminals) void terminal.advance().catch(() => {});
}, 10_000);

// Over the first three minutes a few devices fall silent and a few batteries run low (seeded: the
// same devices each run), so the property manager's pages have something to show.
const wear = args.wear === 'some' ? planWear(simulators, fork(random, 'wear')) : [];
const wearTimers = wear.map((happening) =>
  setTimeout(() => {
    const simulator = simulators.find((s) => s.id === happening.deviceId);
    if (!simulator) return;
    if (happening.kind === 'offline') {
      say(`wear        ${happening.deviceId} fell silent (power cut or radio lost: no goodbye)`);
      void simulator.dropConnection().catch(() => {});
    } else {
      say(`wear        ${happening.deviceId} battery down to ${happening.battery} %`);
      void simulator.set({ battery: happening.battery }).catch(() => {});
    }
  }, happening.at_ms),
);

// Now and then something happens in front of a camera (seeded: the same run each time).
const cameraActivity = cameras
  ? new CameraActivity(cameras.farm.cameras, fork(random, 'cameras'), cameraEventEverySeconds)
  : undefined;
cameraActivity?.start();
if (cameras) say(`${cameras.farm.cameras.length} ONVIF cameras running; the gateway is onboarding them`);
/** The cameras as the gateway sees them (its camera health, also on gridlink/bridge/health). */
const cameraStatus = () => {
  const health = gateway.onvif?.cameraHealth() ?? [];
  if (health.length === 0) return '';
  const count = (field: 'online' | 'authenticated' | 'subscribed') => health.filter((camera) => camera[field]).length;
  return ` · cameras ${count('online')} online / ${count('authenticated')} authenticated / ${count('subscribed')} subscribed of ${health.length}`;
};

const cloudEvents = async () =>
  Number((await cloud.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_events')).rows[0]?.n ?? 0);
const report = setInterval(async () => {
  const { clients, valid, invalid, refused, uplink } = gateway.stats();
  const refusedTotal = Object.values(refused).reduce((a, b) => a + b, 0);
  const waiting = uplink ? Object.values(uplink.outbox.depth).reduce((a, b) => a + b, 0) : 0;
  say(
    `status      ${clients} clients · ${valid} valid messages · ${invalid} invalid (dead-lettered) · ${refusedTotal} refused · ${gateway.rules.active().length} active alerts · cloud link ${uplink?.sender.link} · ${waiting} in outbox · ${await cloudEvents()} events in the cloud${cameraStatus()} · ${telemetry.on ? 'telemetry to InfluxDB' : 'telemetry off (install influxd to turn it on)'}`,
  );
}, statusEverySeconds * 1000);

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  clearInterval(entrances);
  for (const timer of wearTimers) clearTimeout(timer);
  cameraActivity?.stop();
  patrolling.abort(new Error('stopping'));
  say(`stopping (${reason})`);
  await flows?.nodeRed.stop();
  await integrations.stop();
  await hotline.stop();
  await Promise.all(simulators.map((simulator) => simulator.stop().catch(() => {})));
  const { valid, invalid } = gateway.stats();
  await gateway.stop();
  registry.close();
  await cameras?.stop();
  if (telemetry.on) await telemetry.stop();
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
