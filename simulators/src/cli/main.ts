import { parseArgs } from 'node:util';
import { type CliIo as BaseCliIo, createTopics, SERVICE_CLIENT_ID_PREFIX } from '@gridlink/protocol';
import mqtt from 'mqtt';
import { registryCsv } from '../community/exports.js';
import { FULL_COMMUNITY, generateCommunity, SMALL_COMMUNITY } from '../community/generator.js';
import { SCENARIOS, scenarioNamed } from '../scenarios/catalogue.js';
import { runScenario } from '../scenarios/runner.js';
import { cameraPorts, planCameras, startCameras } from './cameras.js';
import { readCredentials } from './credentials.js';
import { describeScenario, span } from './describe.js';

/** The simulators' command line needs only the output streams of the shared CLI I/O. */
export type CliIo = Pick<BaseCliIo, 'stdout' | 'stderr'>;

const USAGE = `gridlink-sim — simulated devices and scripted scenarios for Gridlink

  gridlink-sim list                       the scenarios and what each should cause
  gridlink-sim show <scenario>            one scenario: story, devices, expected alerts and incidents
  gridlink-sim run <scenario> --credentials <file> [--broker mqtt://host:port]
                                          play it against a running gateway (npm start writes the
                                          credentials file as .gridlink/sim-credentials.json)
  gridlink-sim community [--size small|full] [--seed n]
                                          the generated community as the gateway registry's CSV
  gridlink-sim cameras --port-base <port> --password-file <file> [--count n] [--host name]
                       [--username name] [--size small|full] [--seed n]
                                          run the community's ONVIF cameras (device, media and
                                          snapshots, events) until stopped: camera i serves HTTP
                                          on port-base + 2i and WS-Discovery (UDP) on the port
                                          after; --host is the address they listen on and give
                                          the gateway (127.0.0.1 by default); every camera accepts
                                          --username (gridlink by default) with the password in
                                          --password-file; --count defaults to all of them
`;

/**
 * The `gridlink-sim` command line; returns the exit code. `stop` ends a long-running command
 * (`cameras`): bin.ts aborts it on SIGTERM and SIGINT.
 */
export async function runSimCli(argv: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const fail = (message: string) => {
    io.stderr.write(`gridlink-sim: ${message}\n`);
    return 1;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, name] = positionals;
  try {
    switch (command) {
      case 'list':
        for (const scenario of SCENARIOS) out(`${describeScenario(scenario)}\n`);
        return 0;
      case 'show':
        if (!name) return fail('show needs a scenario name (gridlink-sim list)');
        out(describeScenario(scenarioNamed(name)));
        return 0;
      case 'community': {
        const size = values.size ?? 'small';
        if (size !== 'small' && size !== 'full') return fail(`--size: expected small or full, received ${size}`);
        const seed = values.seed === undefined ? undefined : Number(values.seed);
        if (seed !== undefined && !Number.isInteger(seed))
          return fail(`--seed: expected a whole number, received ${values.seed}`);
        const community = generateCommunity({
          ...(size === 'full' ? FULL_COMMUNITY : SMALL_COMMUNITY),
          ...(seed === undefined ? {} : { seed }),
        });
        io.stdout.write(registryCsv(community.devices));
        return 0;
      }
      case 'cameras':
        return await cameras(values, io, stop);
      case 'run':
        if (!name) return fail('run needs a scenario name (gridlink-sim list)');
        return await run(name, values, io);
      case undefined:
      case 'help':
        out(USAGE);
        return command === undefined ? 1 : 0;
      default:
        return fail(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    return fail((err as Error).message);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      broker: { type: 'string' },
      credentials: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      count: { type: 'string' },
      host: { type: 'string' },
      'port-base': { type: 'string' },
      'password-file': { type: 'string' },
      username: { type: 'string' },
    },
  });
}

async function cameras(values: ReturnType<typeof parse>['values'], io: CliIo, stop?: AbortSignal): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const plan = planCameras(values);
  const farm = await startCameras(plan);
  out(
    `${farm.cameras.length} ONVIF cameras on ${plan.host} (user ${plan.username}; the password is in the --password-file):`,
  );
  farm.cameras.forEach((camera, index) => {
    out(
      `  ${camera.id}  ${camera.deviceServiceUrl}  WS-Discovery ${plan.host}:${cameraPorts(plan.portBase, index).discovery}`,
    );
  });
  out('cameras ready');
  if (stop && !stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
  await farm.stop();
  out('cameras stopped');
  return 0;
}

async function run(name: string, values: ReturnType<typeof parse>['values'], io: CliIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const scenario = scenarioNamed(name);
  if (!values.credentials)
    throw new Error('run needs --credentials <file> (npm start writes .gridlink/sim-credentials.json)');
  const credentials = readCredentials(values.credentials);
  const broker = values.broker ?? credentials.broker;
  if (!broker) throw new Error('run needs --broker mqtt://host:port (the credentials file names none)');
  const topics = createTopics(credentials.base_topic);
  out(describeScenario(scenario));
  if (scenario.durationS > 300)
    out(
      `\nThis scenario spans ${span(scenario.durationS)}: against a running gateway that is real time. Its test runs it on a driven clock (scripts/scenarios.test.ts).`,
    );

  // Watch the alerts the gateway raises while the scenario plays (retained topics: only new ones count).
  const startedAt = Date.now();
  const raised = new Map<string, string>();
  const watcher = credentials.observer
    ? await mqtt.connectAsync(broker, {
        ...credentials.observer,
        reconnectPeriod: 0,
        clientId: `${SERVICE_CLIENT_ID_PREFIX}${credentials.observer.username}-sim-${process.pid}`,
      })
    : undefined;
  if (watcher) {
    watcher.on('message', (topic, payload) => {
      if (payload.length === 0) return;
      try {
        const alert = JSON.parse(payload.toString()) as {
          alert_id: string;
          rule_id: string;
          device_id: string;
          since: string;
        };
        if (Date.parse(alert.since) < startedAt - 1000 || raised.has(alert.alert_id)) return;
        raised.set(alert.alert_id, `${alert.rule_id} on ${alert.device_id}`);
        out(`  alert raised: ${alert.rule_id} on ${alert.device_id}`);
      } catch {
        out(`  unreadable alert on ${topic}`);
      }
    });
    await watcher.subscribeAsync(topics.filters.alerts, { qos: 1 });
  }
  out('');
  const played = await runScenario({
    scenario,
    brokerUrl: broker,
    baseTopic: credentials.base_topic,
    passwords: new Map(Object.entries(credentials.devices)),
    say: (line) => out(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await played.stop();
  if (!watcher) {
    out('\nDone. (No observer account in the credentials file: alerts were not watched.)');
    return 0;
  }
  await watcher.endAsync();
  const seen = [...raised.values()].sort();
  const expected = scenario.expects.alerts.map((a) => `${a.rule} on ${a.device}`).sort();
  const same = JSON.stringify(seen) === JSON.stringify(expected);
  out(
    same
      ? `\nDone: ${expected.length === 1 ? 'the expected alert was' : `the ${expected.length} expected alerts were`} raised (npm start's console shows the incidents the cloud opened).`
      : `\nDone, but the alerts differ from what the scenario expects:\n  expected: ${expected.join('; ') || 'none'}\n  raised:   ${seen.join('; ') || 'none'}`,
  );
  return same ? 0 : 2;
}
