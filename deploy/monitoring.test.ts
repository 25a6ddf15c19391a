import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import { Gateway, GatewayConfig, generateSecret, InMemoryDirectory } from '@gridlink/gateway';
import { cannotRun, useTestDatabase, useTestInfluxDatabase } from '@gridlink/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readComposeFile, readEnvFile, secretName } from './compose-file.js';
import { COMPOSE_FILE, ENV_EXAMPLE, makeSecrets, which } from './compose-fixture.js';
import {
  exportedNames,
  GRAFANA_DIR,
  metricNames,
  PROMETHEUS_DIR,
  RULE_TESTS_FILE,
  RULES_FILE,
  readAlertRules,
  readDashboards,
  SCRAPE_SERIES,
  variableMetricNames,
} from './monitoring-queries.js';

const promtool = which('promtool');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function run(args: string[]) {
  const result = spawnSync(promtool as string, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(cannotRun('promtool', promtool === null && "promtool is not installed (Debian's prometheus)"))(
  'the Prometheus configuration (promtool)',
  () => {
    it('is a valid configuration, read with its rule files and the secret files it names', () => {
      // The configuration names the secrets where compose mounts them; here they are in a copy.
      const dir = mkdtempSync(join(tmpdir(), 'gridlink-prometheus-'));
      try {
        cpSync(PROMETHEUS_DIR, join(dir, 'prometheus'), { recursive: true });
        for (const secret of ['cloud_metrics_token', 'gateway_metrics_token'])
          writeFileSync(join(dir, secret), generateSecret(32));
        const config = join(dir, 'prometheus', 'prometheus.yml');
        writeFileSync(config, readFileSync(config, 'utf8').replaceAll('/run/secrets/', `${dir}/`));
        const checked = run(['check', 'config', config]);
        expect(checked.output).toMatch(/SUCCESS: \d+ rule files? found/);
        expect(checked.status, checked.output).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('has valid alert rules', () => {
      const checked = run(['check', 'rules', RULES_FILE]);
      expect(checked.status, checked.output).toBe(0);
    });

    it('passes the unit tests of the alerts: each fires on its trouble, and not before', () => {
      const tested = run(['test', 'rules', RULE_TESTS_FILE]);
      expect(tested.status, tested.output).toBe(0);
      expect(tested.output).toContain('SUCCESS');
    });
  },
);

describe('the alert rules and their tests', () => {
  const rules = readAlertRules();
  const tests = YAML.parse(readFileSync(RULE_TESTS_FILE, 'utf8')) as {
    tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  const checks = tests.tests.flatMap((test) => test.alert_rule_test);

  it('cover what a district pages on: gateways, outbox, cameras, InfluxDB, intake, timers, replicas, PostgreSQL, MQTT', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'GatewaySilent',
        'GatewayUplinkDown',
        'GatewayOutboxGrowing',
        'CameraUnsubscribed',
        'InfluxDBUnreachable',
        'CloudIntakeFailing',
        'CloudTimersLate',
        'CloudReplicaDown',
        'PostgreSQLUnreachable',
        'MqttBrokerFull',
      ]),
    );
  });

  it('give every alert a severity (page or ticket) and a summary in Chinese with its English', () => {
    for (const rule of rules) {
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toMatch(/\p{Script=Han}.*\([a-zA-Z0-9 ,-]+\)$/u);
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
    }
  });

  it('test every alert firing, and every alert quiet at least once', () => {
    const fired = new Set(checks.filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname));
    const quiet = new Set(checks.filter((check) => check.exp_alerts.length === 0).map((check) => check.alertname));
    const names = rules.map((rule) => rule.alert);
    expect(names.filter((name) => !fired.has(name))).toEqual([]);
    expect(names.filter((name) => !quiet.has(name))).toEqual([]);
  });
});

describe('the Grafana dashboards', () => {
  const dashboards = readDashboards();
  const datasource = YAML.parse(
    readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
  ).datasources[0] as { uid: string; type: string };

  it('are one for the gateways and one for the cloud, each with its own uid', () => {
    expect(dashboards.map(({ file, dashboard }) => [file, dashboard.uid])).toEqual([
      ['gridlink-cloud.json', 'gridlink-cloud'],
      ['gridlink-gateway.json', 'gridlink-gateway'],
    ]);
  });

  it('lay out panels with unique ids, each querying the provisioned Prometheus', () => {
    for (const { file, dashboard } of dashboards) {
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of dashboard.panels) {
        expect(panel.gridPos, `${file}: ${panel.title}`).toBeDefined();
        expect(panel.datasource, `${file}: ${panel.title}`).toEqual({ type: datasource.type, uid: datasource.uid });
        expect(panel.targets?.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource, `${file}: ${panel.title}`).toEqual(panel.datasource);
          expect(metricNames(target.expr ?? '').length, `${file}: ${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('title panels in Chinese and describe them in English, every one', () => {
    for (const { file, dashboard } of dashboards) {
      for (const panel of dashboard.panels) {
        expect(panel.title, file).toMatch(/\p{Script=Han}/u);
        expect(panel.description, `${file}: ${panel.title}`).toMatch(/^[\x20-\x7e]+$/);
      }
    }
  });
});

describe('every metric the rules and dashboards name is one Gridlink exports', () => {
  const database = useTestDatabase();
  const influx = useTestInfluxDatabase();
  const metricsToken = generateSecret(32);
  const logger = pino({ level: 'silent' });
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-monitoring-'));
  let cloud: RunningCloud | undefined;
  let gateway: Gateway | undefined;
  let prometheus: ChildProcess | undefined;
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await gateway?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // A cloud and a gateway with every module that has metrics on: uplink, telemetry, cameras, console.
  beforeAll(async () => {
    cloud = await startCloud(
      CloudConfig.parse({
        cloud: { data_dir: join(dir, 'cloud') },
        http: { host: '127.0.0.1', port: 0, metrics_token: metricsToken },
        database: { url: database.url },
        auth: { admin_token: generateSecret(32) },
        log: { level: 'silent' },
      }),
      logger,
    );
    const registered = await cloud.registry.register('gw-monitoring', 'Monitoring gateway', '320803001001');
    if (!registered.ok) throw new Error('gw-monitoring is already registered');
    gateway = new Gateway({
      config: GatewayConfig.parse({
        gateway: { id: 'gw-monitoring', community: '320803001001', data_dir: join(dir, 'gateway') },
        mqtt: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0, metrics_token: metricsToken },
        log: { level: 'silent' },
        uplink: { enabled: true, url: cloud.url, token: registered.issued.token },
        telemetry: { enabled: true, influx: { version: 1, url: influx.url, database: influx.database } },
        onvif: { enabled: true, discovery: { multicast: false, listen_hello: false } },
      }),
      directory: new InMemoryDirectory(),
      logger,
    });
    await gateway.start();
  }, 60_000);

  const scrape = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.status).toBe(200);
    return exportedNames(await response.text());
  };

  it.skipIf(cannotRun('promtool', which('prometheus') === null && "prometheus is not installed (Debian's prometheus)"))(
    "Prometheus, run with the compose service's command line and this configuration, scrapes both with their tokens",
    async () => {
      const compose = readComposeFile(COMPOSE_FILE, { ...readEnvFile(ENV_EXAMPLE), SECRETS_DIR: dir });
      const service = compose.services.prometheus;
      // The mounts and secrets where compose puts them, here in a copy; the targets where the test's servers listen.
      const etc = join(dir, 'prometheus-etc');
      const storage = join(dir, 'prometheus-data');
      cpSync(PROMETHEUS_DIR, etc, { recursive: true });
      writeFileSync(join(dir, 'metrics_token'), metricsToken);
      const configFile = join(etc, 'prometheus.yml');
      const port = await freePort();
      writeFileSync(
        configFile,
        readFileSync(configFile, 'utf8')
          .replace(/\/run\/secrets\/\w+/g, join(dir, 'metrics_token'))
          .replace('[cloud-1:8080, cloud-2:8080]', `['${new URL(cloud?.url ?? '').host}']`)
          .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
          .replace(/scrape_timeout: \d+s/, 'scrape_timeout: 1s')
          .replace('localhost:9090', `127.0.0.1:${port}`),
      );
      writeFileSync(join(etc, 'targets', 'gateways.yml'), `- targets: ['127.0.0.1:${gateway?.ports.http}']\n`);
      const args = (service?.command ?? [])
        .map((arg) => arg.replace('/etc/prometheus', etc).replace('=/prometheus', `=${storage}`))
        .concat(`--web.listen-address=127.0.0.1:${port}`);
      prometheus = spawn(which('prometheus') as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      prometheus.stderr?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      });
      const base = `http://127.0.0.1:${port}`;
      // The compose health check's URL.
      await expect
        .poll(async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.status, { timeout: 15_000 })
        .toBe(200)
        .catch((err: Error) => {
          throw new Error(`Prometheus ${args.join(' ')} did not answer /-/ready (${err.message}):\n${output}`);
        });
      const query = async (expr: string) => {
        const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await response.json()) as {
          data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        };
        return body.data.result.map((sample) => `${sample.metric.job} ${sample.value[1]}`).sort();
      };
      await expect
        .poll(() => query('up'), { timeout: 15_000, message: output })
        .toEqual(['gridlink-cloud 1', 'gridlink-gateway 1', 'prometheus 1']);
      expect(await query('gridlink_cloud_database_up')).toEqual(['gridlink-cloud 1']);
      expect(await query('gridlink_uplink_link_state{state="online"} + 1')).toHaveLength(1);
      const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
      };
      const loaded = rules.data.groups.flatMap((group) => group.rules);
      expect(loaded.map((rule) => rule.name).sort()).toEqual(
        readAlertRules()
          .map((rule) => rule.alert)
          .sort(),
      );
    },
    40_000,
  );

  it('reads only the metrics a running cloud and gateway export', async () => {
    const exported = new Set([
      ...(await scrape(`${cloud?.url}/metrics`)),
      ...(await scrape(`http://127.0.0.1:${gateway?.ports.http}/metrics`)),
      ...SCRAPE_SERIES,
    ]);
    const named = new Map<string, string>();
    for (const rule of readAlertRules())
      for (const name of metricNames(rule.expr)) named.set(name, `rule ${rule.alert}`);
    for (const { file, dashboard } of readDashboards())
      for (const panel of dashboard.panels)
        for (const target of panel.targets ?? [])
          for (const name of metricNames(target.expr ?? '')) named.set(name, `${file}: ${panel.title}`);
    for (const { file, dashboard } of readDashboards())
      for (const variable of dashboard.templating?.list ?? [])
        for (const name of variableMetricNames(variable.definition ?? ''))
          named.set(name, `${file}: variable ${variable.name}`);
    expect(named.size).toBeGreaterThan(30);
    expect([...named].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where})`)).toEqual([]);
  });
});

describe('the monitoring profile of docker-compose.yml', () => {
  const secrets = makeSecrets();
  afterAll(() => secrets.remove());
  const compose = readComposeFile(COMPOSE_FILE, { ...readEnvFile(ENV_EXAMPLE), SECRETS_DIR: secrets.dir });
  const prometheus = compose.services.prometheus;
  const grafana = compose.services.grafana;
  const config = YAML.parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
    scrape_configs: Array<{
      job_name: string;
      authorization?: { credentials_file?: string };
      static_configs?: Array<{ targets: string[] }>;
    }>;
  };

  it('runs Prometheus and Grafana as unprivileged users, on read-only root filesystems', () => {
    for (const service of [prometheus, grafana]) {
      expect(service?.user).toMatch(/^[1-9]\d*(:\d+)?$/);
      expect(service?.read_only).toBe(true);
    }
  });

  it('mounts the configuration and provisioning read-only where they are read', () => {
    expect(prometheus?.volumes).toContain('./deploy/monitoring/prometheus:/etc/prometheus:ro');
    expect(prometheus?.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(grafana?.volumes).toEqual(
      expect.arrayContaining([
        './deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/monitoring/grafana/dashboards:/etc/grafana/dashboards:ro',
      ]),
    );
    const provider = YAML.parse(readFileSync(join(GRAFANA_DIR, 'provisioning', 'dashboards', 'gridlink.yml'), 'utf8'))
      .providers[0];
    expect(provider.options.path).toBe('/etc/grafana/dashboards');
  });

  it('gives Prometheus the token of each job it scrapes, as secret files, and the cloud the token it checks', () => {
    for (const job of config.scrape_configs) {
      const file = job.authorization?.credentials_file;
      if (file === undefined) continue;
      expect(prometheus?.secrets, job.job_name).toContain(secretName(file));
    }
    expect(compose.services['cloud-1']?.environment?.GRIDLINK_HTTP__METRICS_TOKEN_FILE).toBe(
      '/run/secrets/cloud_metrics_token',
    );
    expect(compose.services.gateway?.environment?.GRIDLINK_HTTP__METRICS_TOKEN_FILE).toBe(
      '/run/secrets/gateway_metrics_token',
    );
  });

  it('scrapes each cloud replica by its own name, and reaches the networks they are on', () => {
    const cloudJob = config.scrape_configs.find((job) => job.job_name === 'gridlink-cloud');
    expect(cloudJob?.static_configs?.[0]?.targets).toEqual(['cloud-1:8080', 'cloud-2:8080']);
    expect(prometheus?.networks).toEqual(expect.arrayContaining(['cloud', 'gateway']));
  });

  it("takes Grafana's admin password from a secret file, with sign-up and anonymous access off", () => {
    expect(grafana?.environment).toMatchObject({
      GF_SECURITY_ADMIN_PASSWORD__FILE: '/run/secrets/grafana_admin_password',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
    });
    expect(grafana?.secrets).toEqual(['grafana_admin_password']);
  });

  it('publishes Prometheus, which has no login, on the loopback only', () => {
    expect(prometheus?.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:9090$/)]);
  });
});
