import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannotRun, createTestCertificates, useTestDatabase, useTestInfluxDatabase } from '@gridlink/testkit';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readComposeFile, readEnvFile } from './compose-file.js';
import { COMPOSE_FILE, ENV_EXAMPLE, makeSecrets, ROOT, which } from './compose-fixture.js';
import { asPlainProcess, plainEnv, runHealthcheck, startPlainProcess } from './compose-process.js';

/**
 * The compose services' command lines, configuration files, secrets and health checks, run as plain
 * processes (no container engine runs here or in CI). What a container gives differently is
 * overridden, and only that: the gateway's volume mount point (a temporary directory), the
 * listening ports (any free one), and the other services' host names (the test servers). The cloud
 * gets no data folder: with PostgreSQL it writes none, as its read-only container requires.
 */
const secrets = makeSecrets();
const compose = readComposeFile(COMPOSE_FILE, { ...readEnvFile(ENV_EXAMPLE), SECRETS_DIR: secrets.dir });
const dirs: string[] = [];
const children: ChildProcess[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-volume-'));
  dirs.push(dir);
  return dir;
};
const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
};
afterEach(async () => {
  await Promise.all(children.splice(0).map(stop));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(() => secrets.remove());

const logged = (message: string) => (line: string) => line.includes(`"msg":"${message}"`);

/** A TCP port free right now on loopback (Caddy takes fixed ports, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** GET over HTTPS trusting `ca` only; the status and body. */
function getHttps(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(ca) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

async function startCloudReplicas(url: string) {
  const replicas = ['cloud-1', 'cloud-2'].map((name) => asPlainProcess(compose, name));
  const started = await Promise.all(
    replicas.map((plain) =>
      startPlainProcess(plain, { GRIDLINK_DATABASE__URL: url, GRIDLINK_HTTP__PORT: '0' }, logged('cloud listening')),
    ),
  );
  children.push(...started.map((s) => s.child));
  return started.map((s, index) => ({
    ...s,
    plain: replicas[index] as (typeof replicas)[number],
    port: Number(new URL((JSON.parse(s.line) as { url: string }).url).port),
  }));
}

describe('the cloud replicas of docker-compose.yml, as plain processes', () => {
  const database = useTestDatabase();

  it('start together on one fresh database, migrate it once, and answer their health check', async () => {
    const started = await startCloudReplicas(database.url);
    for (const replica of started) {
      const check = runHealthcheck(replica.plain.healthcheck(replica.port));
      expect(check, check.output).toMatchObject({ status: 0 });
    }
    // The advisory lock let one replica apply every migration; the other found nothing to do.
    const migrated = started.filter((s) => s.output().includes('"msg":"database migrated"'));
    expect(migrated).toHaveLength(1);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; distinct: string }>(
        'SELECT count(*) AS n, count(DISTINCT version) AS distinct FROM schema_migrations',
      );
      expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      expect(rows[0]?.n).toBe(rows[0]?.distinct);
    } finally {
      await client.end();
    }
  }, 90_000);

  it("reports unhealthy once a replica has stopped (the health check's exit code is 1)", async () => {
    const plain = asPlainProcess(compose, 'cloud-1');
    const { child, line } = await startPlainProcess(
      plain,
      { GRIDLINK_DATABASE__URL: database.url, GRIDLINK_HTTP__PORT: '0' },
      logged('cloud listening'),
    );
    children.push(child);
    const { port } = new URL((JSON.parse(line) as { url: string }).url);
    await stop(child);
    const check = runHealthcheck(plain.healthcheck(Number(port)));
    expect(check.status).toBe(1);
    expect(check.output).toContain(`127.0.0.1:${port}/readyz: ECONNREFUSED`);
  }, 60_000);
});

describe('the gateway of docker-compose.yml, as a plain process', () => {
  const influx = useTestInfluxDatabase();

  /**
   * The gateway service started as a plain process from `from` (the compose file read with the
   * .env it runs with), its volume `dataDir`, and its config file swapped for `configFile` when given.
   */
  async function startGateway(from = compose, dataDir = tempDir(), configFile?: string) {
    const plain = asPlainProcess(from, 'gateway');
    if (configFile)
      plain.args = plain.args.map((arg) => (arg.startsWith(join(ROOT, 'deploy/compose/')) ? configFile : arg));
    const overrides = {
      GRIDLINK_GATEWAY__DATA_DIR: dataDir,
      GRIDLINK_MQTT__PORT: '0',
      GRIDLINK_HTTP__PORT: '0',
      GRIDLINK_TELEMETRY__INFLUX__URL: influx.url,
      GRIDLINK_TELEMETRY__INFLUX__DATABASE: influx.database,
    };
    const { child, line, output } = await startPlainProcess(plain, overrides, logged('gateway started'));
    children.push(child);
    const { http, ports } = JSON.parse(line) as { http: number; ports: { tcp: number } };
    return { plain, child, output, env: { ...plain.env, ...overrides }, http, mqtt: ports.tcp };
  }

  it('starts from its configuration file, environment and secret files, and answers its health check', async () => {
    const { plain, http } = await startGateway();
    const check = runHealthcheck(plain.healthcheck(http));
    expect(check, check.output).toMatchObject({ status: 0 });

    // /metrics is not on loopback in the container: it asks for the token from the secret file.
    const anonymous = await fetch(`http://127.0.0.1:${http}/metrics`);
    expect(anonymous.status).toBe(401);
  }, 60_000);

  it('the demo: demo-setup.sh registers the community, the demo-scenario command plays a scenario, and the gateway subscribes to the cameras service', async () => {
    // The demo runs the gateway with GATEWAY_CONFIG=gateway-demo.yaml. Only the cameras' host name
    // and the secret's mount point differ outside a container: a copy of the file says 127.0.0.1
    // and the secret file's path.
    const demo = readComposeFile(COMPOSE_FILE, {
      ...readEnvFile(ENV_EXAMPLE),
      SECRETS_DIR: secrets.dir,
      GATEWAY_CONFIG: 'gateway-demo.yaml',
    });
    const cameraPassword = demo.secrets.demo_camera_password?.file ?? '';
    const configFile = join(tempDir(), 'gateway-demo.yaml');
    const config = YAML.parse(readFileSync(join(ROOT, 'deploy/compose/gateway-demo.yaml'), 'utf8'));
    for (const camera of config.onvif.cameras as Array<{ probe: string; password_file: string }>) {
      camera.probe = camera.probe.replace(/^cameras:/, '127.0.0.1:');
      camera.password_file = cameraPassword;
    }
    writeFileSync(configFile, YAML.stringify(config));
    const dataDir = tempDir();
    const first = await startGateway(demo, dataDir, configFile);
    const tsx = `${process.execPath} --import tsx --conditions=gridlink-source`;
    const setup = spawnSync('sh', [join(ROOT, 'deploy/compose/demo-setup.sh')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: plainEnv({
        ...first.env,
        SECRETS_DIR: secrets.dir,
        DEMO_SIM: `${tsx} ${join(ROOT, 'simulators/src/cli/bin.ts')}`,
        DEMO_GATEWAY: `${tsx} ${join(ROOT, 'gateway/src/cli/bin.ts')}`,
        DEMO_GATEWAY_CONFIG: configFile,
        // The restart is this test's: stop the process, start it again on the same data folder.
        DEMO_GATEWAY_RESTART: 'true',
      }),
    });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/^registered \d{3} devices; wrote /);

    const player = asPlainProcess(demo, 'demo-scenario');
    const args = player.args.map((arg) => (arg === 'mqtt://gateway:1883' ? `mqtt://127.0.0.1:${first.mqtt}` : arg));
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: plainEnv(player.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);

    // The cameras service, from its command line, listening on 127.0.0.1 rather than its host name.
    const cameras = asPlainProcess(demo, 'cameras');
    cameras.args = cameras.args.map((arg, index) => (cameras.args[index - 1] === '--host' ? '127.0.0.1' : arg));
    expect(cameras.args).toContain('127.0.0.1');
    expect(cameras.args).toContain(cameraPassword);
    const started = await startPlainProcess(cameras, {}, (line) => line === 'cameras ready');
    children.push(started.child);
    const health = cameras.healthcheck(18000).map((word) => word.replace('http://cameras:', 'http://127.0.0.1:'));
    const check = runHealthcheck(health);
    expect(check, check.output).toMatchObject({ status: 0 });

    // demo-setup.sh's restart: the gateway takes the cameras registered before it starts.
    await stop(first.child);
    const gateway = await startGateway(demo, dataDir, configFile);
    const token = readFileSync(demo.secrets.gateway_metrics_token?.file ?? '', 'utf8').trim();
    const subscribed = async () => {
      const response = await fetch(`http://127.0.0.1:${gateway.http}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      return [...text.matchAll(/^gridlink_onvif_camera_subscribed\{[^}]*camera="([^"]+)"[^}]*\} 1$/gm)]
        .map((match) => match[1])
        .sort();
    };
    await expect
      .poll(subscribed, { timeout: 60_000, interval: 250 })
      .toEqual(['cam-b1-01', 'cam-b2-01', 'cam-b3-01', 'cam-gate-01', 'cam-gate-02']);
  }, 180_000);
});

describe.skipIf(cannotRun('caddy', which('caddy') === null && "caddy is not installed (Debian's caddy)"))(
  "the proxy of docker-compose.yml (Caddy, as a plain process) in front of the cloud's replicas",
  () => {
    const database = useTestDatabase();

    it('serves HTTPS with the certificate from the secret files, answers through the replicas, redirects HTTP, and has a health port', async () => {
      const replicas = await startCloudReplicas(database.url);
      const certificates = createTestCertificates();
      const tls = { cert: compose.secrets.cloud_tls_cert?.file, key: compose.secrets.cloud_tls_key?.file };
      copyFileSync(certificates.server.cert, tls.cert as string);
      copyFileSync(certificates.server.key, tls.key as string);
      const [https, http, health] = [await freePort(), await freePort(), await freePort()];
      const home = tempDir();
      const caddy = spawn(
        'caddy',
        ['run', '--config', join(ROOT, 'deploy/compose/Caddyfile'), '--adapter', 'caddyfile'],
        {
          env: plainEnv({
            ...compose.services.proxy?.environment,
            CLOUD_DOMAIN: 'localhost',
            PROXY_HTTPS_PORT: String(https),
            PROXY_HTTP_PORT: String(http),
            PROXY_HEALTH_PORT: String(health),
            PROXY_SECRETS: secrets.dir,
            PROXY_UPSTREAMS: replicas.map((r) => `127.0.0.1:${r.port}`).join(' '),
            HOME: home,
            XDG_DATA_HOME: home,
            XDG_CONFIG_HOME: home,
          }),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(caddy);
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const seen = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('serving initial configuration')) resolve();
        };
        caddy.stdout.on('data', seen);
        caddy.stderr.on('data', seen);
        caddy.once('exit', (code) => reject(new Error(`caddy exited with ${code}:\n${output}`)));
      });

      const ready = await getHttps(`https://localhost:${https}/readyz`, certificates.ca);
      expect(ready, output).toMatchObject({ status: 200 });
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
      // fetch cannot set Host: a plain request names the site as a browser would.
      const redirect = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: http, path: '/incidents', headers: { host: 'localhost' } },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode, location: res.headers.location });
          },
        );
        req.once('error', reject);
        req.end();
      });
      expect(redirect).toEqual({ status: 301, location: 'https://localhost/incidents' });
      // The compose healthcheck's port: /readyz through a replica, nothing else.
      expect((await fetch(`http://127.0.0.1:${health}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${health}/`)).status).toBe(404);
    }, 120_000);
  },
);
