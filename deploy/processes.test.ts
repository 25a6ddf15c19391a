import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase, useTestInfluxDatabase } from '@gridlink/testkit';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readComposeFile, readEnvFile } from './compose-file.js';
import { COMPOSE_FILE, ENV_EXAMPLE, makeSecrets, ROOT } from './compose-fixture.js';
import { asPlainProcess, plainEnv, runHealthcheck, startPlainProcess } from './compose-process.js';

/**
 * The compose services' command lines, configuration files, secrets and health checks, run as plain
 * processes (no container engine runs here or in CI). What a container gives differently is
 * overridden, and only that: the volume's mount point (a temporary directory), the listening ports
 * (any free one), and the other services' host names (the test servers).
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

describe('the cloud replicas of docker-compose.yml, as plain processes', () => {
  const database = useTestDatabase();

  it('start together on one fresh database, migrate it once, and answer their health check', async () => {
    const replicas = ['cloud-1', 'cloud-2'].map((name) => asPlainProcess(compose, name));
    const started = await Promise.all(
      replicas.map((plain) =>
        startPlainProcess(
          plain,
          { GRIDLINK_DATABASE__URL: database.url, GRIDLINK_HTTP__PORT: '0', GRIDLINK_CLOUD__DATA_DIR: tempDir() },
          logged('cloud listening'),
        ),
      ),
    );
    children.push(...started.map((s) => s.child));

    for (const [index, { line }] of started.entries()) {
      const { port } = new URL((JSON.parse(line) as { url: string }).url);
      const check = runHealthcheck((replicas[index] as (typeof replicas)[number]).healthcheck(Number(port)));
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
      { GRIDLINK_DATABASE__URL: database.url, GRIDLINK_HTTP__PORT: '0', GRIDLINK_CLOUD__DATA_DIR: tempDir() },
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

  async function startGateway() {
    const plain = asPlainProcess(compose, 'gateway');
    const overrides = {
      GRIDLINK_GATEWAY__DATA_DIR: tempDir(),
      GRIDLINK_MQTT__PORT: '0',
      GRIDLINK_HTTP__PORT: '0',
      GRIDLINK_TELEMETRY__INFLUX__URL: influx.url,
      GRIDLINK_TELEMETRY__INFLUX__DATABASE: influx.database,
    };
    const { child, line } = await startPlainProcess(plain, overrides, logged('gateway started'));
    children.push(child);
    const { http, ports } = JSON.parse(line) as { http: number; ports: { tcp: number } };
    return { plain, env: { ...plain.env, ...overrides }, http, mqtt: ports.tcp };
  }

  it('starts from its configuration file, environment and secret files, and answers its health check', async () => {
    const { plain, http } = await startGateway();
    const check = runHealthcheck(plain.healthcheck(http));
    expect(check, check.output).toMatchObject({ status: 0 });

    // /metrics is not on loopback in the container: it asks for the token from the secret file.
    const anonymous = await fetch(`http://127.0.0.1:${http}/metrics`);
    expect(anonymous.status).toBe(401);
  }, 60_000);

  it('the demo: demo-setup.sh registers the community, and the demo-scenario command plays a scenario against it', async () => {
    const { env, mqtt } = await startGateway();
    const tsx = `${process.execPath} --import tsx --conditions=gridlink-source`;
    const setup = spawnSync('sh', [join(ROOT, 'deploy/compose/demo-setup.sh')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: plainEnv({
        ...env,
        SECRETS_DIR: secrets.dir,
        DEMO_SIM: `${tsx} ${join(ROOT, 'simulators/src/cli/bin.ts')}`,
        DEMO_GATEWAY: `${tsx} ${join(ROOT, 'gateway/src/cli/bin.ts')}`,
        DEMO_GATEWAY_CONFIG: join(ROOT, 'deploy/compose/gateway.yaml'),
      }),
    });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/^registered \d{3} devices; wrote /);

    const player = asPlainProcess(compose, 'demo-scenario');
    const args = player.args.map((arg) => (arg === 'mqtt://gateway:1883' ? `mqtt://127.0.0.1:${mqtt}` : arg));
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
  }, 120_000);
});
