import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type ComposeFile, composeVariables, readComposeFile, readEnvFile, secretName } from './compose-file.js';
import { COMPOSE_FILE, ENV_EXAMPLE, MAKE_SECRETS, makeSecrets, ROOT, which } from './compose-fixture.js';

const example = readEnvFile(ENV_EXAMPLE);
const secrets = makeSecrets();
afterAll(() => secrets.remove());
const env = { ...example, SECRETS_DIR: secrets.dir };
const compose = readComposeFile(COMPOSE_FILE, env);
const services = Object.entries(compose.services);
const inProfile = (profile: string) =>
  services.filter(([, service]) => service.profiles?.includes(profile)).map(([name]) => name);

describe('docker-compose.yml, read as Compose reads it', () => {
  it('has the profiles cloud, gateway, demo and monitoring, and no service outside them', () => {
    expect(inProfile('cloud').sort()).toEqual(['cloud-1', 'cloud-2', 'postgres', 'proxy']);
    expect(inProfile('gateway').sort()).toEqual(['gateway', 'influxdb', 'node-red']);
    expect(inProfile('demo').sort()).toEqual(['cameras', 'demo-scenario']);
    expect(inProfile('monitoring').sort()).toEqual(['grafana', 'prometheus']);
    expect(services.filter(([, service]) => (service.profiles ?? []).length !== 1)).toEqual([]);
  });

  it('runs two cloud replicas of one image, with one configuration, behind the proxy', () => {
    const [one, two] = [compose.services['cloud-1'], compose.services['cloud-2']];
    expect(one?.image).toBe(two?.image);
    expect(one?.environment).toEqual(two?.environment);
    expect(one?.volumes).toEqual(['./deploy/compose/cloud.yaml:/etc/gridlink/cloud.yaml:ro']);
    const caddyfile = readFileSync(join(ROOT, 'deploy/compose/Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(
      /reverse_proxy \{\$PROXY_UPSTREAMS:cloud-1:8080 cloud-2:8080\} \{[^}]*health_uri \/readyz/,
    );
  });

  it('runs PostgreSQL 16 with its data on a volume', () => {
    const postgres = compose.services.postgres;
    expect(postgres?.image).toMatch(/^postgres:16\.\d+/);
    expect(postgres?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
  });

  it('gives every service a health check, a restart policy and CPU and memory limits', () => {
    for (const [name, service] of services) {
      expect(service.healthcheck?.test?.[0], `${name}: healthcheck`).toMatch(/^CMD/);
      expect(service.restart, `${name}: restart`).toMatch(/^(unless-stopped|always|on-failure(:\d+)?)$/);
      expect(service.deploy?.resources?.limits?.cpus, `${name}: cpu limit`).toMatch(/^\d+(\.\d+)?$/);
      expect(service.deploy?.resources?.limits?.memory, `${name}: memory limit`).toMatch(/^\d+[kmg]$/);
    }
  });

  it("checks the cloud's and the gateway's /readyz with the healthcheck script their images carry", () => {
    for (const [name, port] of [
      ['cloud-1', 8080],
      ['cloud-2', 8080],
      ['gateway', 9180],
    ] as const) {
      expect(compose.services[name]?.healthcheck?.test).toEqual([
        'CMD',
        'node',
        '/usr/local/lib/gridlink/healthcheck.mjs',
        `http://127.0.0.1:${port}/readyz`,
      ]);
    }
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toContain(
      'COPY deploy/healthcheck.mjs /usr/local/lib/gridlink/healthcheck.mjs',
    );
  });

  it('pins every image it pulls to a version', () => {
    for (const [name, service] of services) {
      // Gridlink's own images are built here (cloud-2 runs the image cloud-1 builds).
      if (service.image?.startsWith('gridlink/')) continue;
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:[^:]*\d[^:]*$/);
    }
  });

  it('holds no secret: secret settings are *_FILE paths to the secrets each service is given', () => {
    const secretLike = /(PASSWORD|TOKEN|SECRET|KEY)/;
    for (const [name, service] of services) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (!secretLike.test(variable)) continue;
        expect(variable, `${name}: ${variable}`).toMatch(/_FILE$/);
        const secret = secretName(value);
        expect(secret, `${name}: ${variable}=${value} names a file under /run/secrets`).toBeDefined();
        expect(service.secrets, `${name}: ${variable}`).toContain(secret);
      }
    }
  });

  it('reads every secret from a file under SECRETS_DIR, which make-secrets.sh writes', () => {
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file, name).toMatch(new RegExp(`^${secrets.dir}/${name}(\\.json)?$`));
      expect(statSync(secret.file as string).isFile(), `${name}: written by make-secrets.sh`).toBe(true);
    }
    const used = new Set(services.flatMap(([, service]) => service.secrets ?? []));
    expect([...used].sort()).toEqual(Object.keys(compose.secrets).sort());
  });

  it('keeps the secrets folder closed to others and generated secrets long enough for the apps', () => {
    expect(statSync(secrets.dir).mode & 0o777).toBe(0o700);
    for (const name of [
      'postgres_password',
      'cloud_admin_token',
      'cloud_data_secret',
      'cloud_metrics_token',
      'gateway_metrics_token',
      'grafana_admin_password',
      'demo_camera_password',
    ]) {
      expect(readFileSync(join(secrets.dir, name), 'utf8')).toMatch(/^[A-Za-z0-9]{32,}\n?$/);
    }
  });

  it('make-secrets.sh keeps what exists: running it again changes no password', () => {
    const before = readFileSync(join(secrets.dir, 'postgres_password'), 'utf8');
    const output = execFileSync('sh', [MAKE_SECRETS], {
      env: { ...process.env, SECRETS_DIR: secrets.dir },
      encoding: 'utf8',
    });
    expect(output).toContain(`kept      ${secrets.dir}/postgres_password`);
    expect(readFileSync(join(secrets.dir, 'postgres_password'), 'utf8')).toBe(before);
  });

  it("gateway-demo.yaml is gateway.yaml and the demo's cameras, each at the port the cameras service gives it", () => {
    const read = (name: string) => YAML.parse(readFileSync(join(ROOT, 'deploy/compose', name), 'utf8'));
    const { onvif, ...rest } = read('gateway-demo.yaml');
    expect(rest).toEqual(read('gateway.yaml'));
    const command = compose.services.cameras?.command ?? [];
    const base = Number(command[command.indexOf('--port-base') + 1]);
    const host = command[command.indexOf('--host') + 1];
    const community = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=gridlink-source', join(ROOT, 'simulators/src/cli/bin.ts'), 'community'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const ids = community
      .split('\n')
      .filter((line) => line.split(',')[1] === 'onvif_camera')
      .map((line) => line.split(',')[0]);
    expect(onvif.cameras).toEqual(
      ids.map((id, index) => ({
        id,
        probe: `${host}:${base + 2 * index + 1}`,
        username: 'gridlink',
        password_file: '/run/secrets/demo_camera_password',
        events: 'pullpoint',
      })),
    );
    expect(compose.services.gateway?.secrets).toContain('demo_camera_password');
  });

  it('.env.example lists every variable the compose file reads, and nothing else', () => {
    expect([...composeVariables(COMPOSE_FILE)].sort()).toEqual(Object.keys(example).sort());
  });

  it('names no variable GRIDLINK_* in .env (those are the apps’ own configuration, set per service)', () => {
    expect(Object.keys(example).filter((name) => name.startsWith('GRIDLINK_'))).toEqual([]);
  });
});

const compose129 = which('docker-compose');

describe.skipIf(
  cannotRun('docker-compose', compose129 === null && "docker-compose is not installed (Debian's docker-compose)"),
)('docker-compose config (1.29, no engine needed)', () => {
  const config = (profiles: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(
      'docker-compose',
      ['--env-file', ENV_EXAMPLE, '-f', COMPOSE_FILE, ...profiles.flatMap((p) => ['--profile', p]), 'config'],
      { cwd: ROOT, env: { ...process.env, SECRETS_DIR: secrets.dir, ...extraEnv }, encoding: 'utf8' },
    );

  it.each(['cloud', 'gateway', 'demo', 'monitoring', 'cloud,gateway,demo,monitoring'])(
    'accepts --profile %s',
    (profiles) => {
      const result = config(profiles.split(','));
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('resolves every service as the tests read it (so the process checks run what Compose would)', () => {
    const resolved = YAML.parse(config(['cloud', 'gateway', 'demo', 'monitoring']).stdout) as ComposeFile;
    for (const [name, service] of services) {
      const theirs = resolved.services[name];
      expect(theirs?.environment ?? {}, `${name}: environment`).toEqual(service.environment ?? {});
      expect(theirs?.command, `${name}: command`).toEqual(service.command);
      expect(theirs?.healthcheck?.test, `${name}: healthcheck`).toEqual(service.healthcheck?.test);
      expect(theirs?.image, `${name}: image`).toEqual(service.image);
    }
  });

  it('refuses to run without the names that have no default, and says which', () => {
    const withoutDomain = Object.entries(example)
      .filter(([name]) => name !== 'CLOUD_DOMAIN')
      .map(([name, value]) => `${name}=${value}`)
      .join('\n');
    const result = spawnSync(
      'sh',
      [
        '-c',
        'f=$(mktemp) && printf "%s\\n" "$ENVS" >"$f" && docker-compose --env-file "$f" -f "$1" config; s=$?; rm -f "$f"; exit $s',
        'sh',
        COMPOSE_FILE,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, SECRETS_DIR: secrets.dir, ENVS: withoutDomain, CLOUD_DOMAIN: '' },
        encoding: 'utf8',
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set CLOUD_DOMAIN in .env');
  });
});

describe.skipIf(cannotRun('caddy', which('caddy') === null && "caddy is not installed (Debian's caddy)"))(
  "the reverse proxy's Caddyfile (caddy adapt; no server started)",
  () => {
    it('adapts, with TLS from the secret files and both replicas as upstreams', () => {
      const json = execFileSync('caddy', ['adapt', '--config', join(ROOT, 'deploy/compose/Caddyfile')], {
        env: { ...process.env, CLOUD_DOMAIN: 'cloud.example.cn' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(json).toContain('"certificate":"/run/secrets/cloud_tls_cert"');
      expect(json).toContain('"key":"/run/secrets/cloud_tls_key"');
      expect(json).toContain('"dial":"cloud-1:8080"');
      expect(json).toContain('"dial":"cloud-2:8080"');
      expect(json).toContain('"host":["cloud.example.cn"]');
    });
  },
);

describe.skipIf(
  cannotRun('shellcheck', which('shellcheck') === null && "shellcheck is not installed (Debian's shellcheck)"),
)('the deployment scripts (shellcheck)', () => {
  const scripts = readdirSync(join(ROOT, 'deploy'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.sh'))
    .map((file) => join(ROOT, 'deploy', file));

  it.each(scripts)('%s has no warning', (script) => {
    const result = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
