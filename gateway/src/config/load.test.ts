import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConfigSchema, leafPaths } from '@gridlink/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type LoadConfigResult, loadConfig, redactConfig, SECRET_CONFIG_PATHS } from './load.js';
import { GatewayConfig } from './schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MINIMAL = 'gateway:\n  id: gw-320803-001\n  community: "320803001001"\n';

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function config(result: LoadConfigResult) {
  if (!result.ok) throw new Error(`expected a valid configuration, got:\n${result.errors.join('\n')}`);
  return result.config;
}

function errors(result: LoadConfigResult): string[] {
  if (result.ok) throw new Error('expected configuration errors');
  return result.errors;
}

describe('loadConfig: a valid file', () => {
  it('fills every default the schema declares', async () => {
    const loaded = config(loadConfig({ file: await file('gateway.yaml', MINIMAL), env: {} }));
    expect(loaded.gateway).toEqual({
      id: 'gw-320803-001',
      community: '320803001001',
      base_topic: 'gridlink',
      data_dir: './data',
    });
    expect(loaded.mqtt.port).toBe(1883);
    expect(loaded.mqtt.tls).toEqual({
      enabled: false,
      host: '0.0.0.0',
      port: 8883,
      client_certificates: 'off',
      allow_plain_passwords: false,
    });
    expect(loaded.mqtt.limits.max_packet_bytes).toBe(262_144);
    expect(loaded.telemetry.enabled).toBe(false);
    expect(loaded.http).toEqual({ host: '127.0.0.1', port: 9180, console: { enabled: true, session_hours: 12 } });
    expect(loaded.log.level).toBe('info');
  });

  it('treats an empty file as "all defaults" (and then asks for what has none)', async () => {
    expect(errors(loadConfig({ file: await file('empty.yaml', ''), env: {} }))).toEqual([
      'gateway: missing (expected object)',
    ]);
  });

  it('returns a deeply frozen configuration', async () => {
    const loaded = config(loadConfig({ file: await file('gateway.yaml', MINIMAL), env: {} }));
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.mqtt)).toBe(true);
    expect(Object.isFrozen(loaded.mqtt.limits)).toBe(true);
    expect(() => {
      (loaded.mqtt.limits as { max_packet_bytes: number }).max_packet_bytes = 1;
    }).toThrow(TypeError);
    expect(loaded.mqtt.limits.max_packet_bytes).toBe(262_144);
  });
});

describe('loadConfig: environment overrides', () => {
  it('reads values as YAML scalars: a port is a number, true is a boolean', async () => {
    const loaded = config(
      loadConfig({
        file: await file('gateway.yaml', MINIMAL),
        env: {
          GRIDLINK_MQTT__PORT: '1884',
          GRIDLINK_MQTT__WEBSOCKET__ENABLED: 'true',
          GRIDLINK_MQTT__LIMITS__MAX_TOPIC_LEVELS: '12',
        },
      }),
    );
    expect(loaded.mqtt.port).toBe(1884);
    expect(loaded.mqtt.websocket.enabled).toBe(true);
    expect(loaded.mqtt.limits.max_topic_levels).toBe(12);
  });

  it('keeps text fields as text, so a 12-digit community code stays a string', async () => {
    const loaded = config(
      loadConfig({
        env: { GRIDLINK_GATEWAY__ID: 'gw-1', GRIDLINK_GATEWAY__COMMUNITY: '320803001002', GRIDLINK_LOG__LEVEL: 'warn' },
      }),
    );
    expect(loaded.gateway.community).toBe('320803001002');
    expect(loaded.log.level).toBe('warn');
  });

  it('maps names case-insensitively onto the snake_case schema and wins over the file', async () => {
    const path = await file('gateway.yaml', `${MINIMAL}mqtt:\n  port: 1999\n`);
    const loaded = config(loadConfig({ file: path, env: { gridlink_mqtt__port: '2000' } }));
    expect(loaded.mqtt.port).toBe(2000);
  });

  it('reads a secret from <NAME>_FILE, trailing newline removed', async () => {
    const secret = await file('influx-password', 's3cret-from-file\n');
    const loaded = config(
      loadConfig({
        file: await file('gateway.yaml', MINIMAL),
        env: {
          GRIDLINK_TELEMETRY__ENABLED: 'true',
          GRIDLINK_TELEMETRY__INFLUX__VERSION: '1',
          GRIDLINK_TELEMETRY__INFLUX__URL: 'http://127.0.0.1:8086',
          GRIDLINK_TELEMETRY__INFLUX__DATABASE: 'gridlink',
          GRIDLINK_TELEMETRY__INFLUX__PASSWORD_FILE: secret,
        },
      }),
    );
    expect(loaded.telemetry.influx).toEqual({
      version: 1,
      url: 'http://127.0.0.1:8086',
      database: 'gridlink',
      password: 's3cret-from-file',
    });
  });

  it('leaves the uplink token unset while its file is empty (the gateway not registered yet), and asks for it once the uplink is on', async () => {
    const token = await file('uplink-token', '');
    const env = { GRIDLINK_UPLINK__URL: 'https://cloud.example.cn', GRIDLINK_UPLINK__TOKEN_FILE: token };
    const off = config(loadConfig({ file: await file('gateway.yaml', MINIMAL), env }));
    expect(off.uplink.token).toBeUndefined();
    const on = loadConfig({
      file: await file('gateway.yaml', MINIMAL),
      env: { ...env, GRIDLINK_UPLINK__ENABLED: 'true' },
    });
    expect(errors(on)).toEqual([
      'uplink.token: uplink.enabled is true: set the token issued by the cloud with GRIDLINK_UPLINK__TOKEN_FILE ' +
        '(GRIDLINK_UPLINK__TOKEN_FILE names an empty file, which leaves it unset)',
    ]);
  });

  it('keeps a secret made of digits as text', async () => {
    const secret = await file('token', '12345678\n');
    const loaded = config(
      loadConfig({
        file: await file('gateway.yaml', MINIMAL),
        env: {
          GRIDLINK_TELEMETRY__INFLUX__VERSION: '2',
          GRIDLINK_TELEMETRY__INFLUX__URL: 'http://127.0.0.1:8086',
          GRIDLINK_TELEMETRY__INFLUX__ORG: 'gridlink',
          GRIDLINK_TELEMETRY__INFLUX__BUCKET: 'gridlink',
          GRIDLINK_TELEMETRY__INFLUX__TOKEN_FILE: secret,
        },
      }),
    );
    expect(loaded.telemetry.influx).toMatchObject({ version: 2, token: '12345678' });
  });

  it('treats a field that itself ends in _file (mqtt.tls.cert_file) as that field, not as a file to read', async () => {
    const loaded = config(
      loadConfig({
        file: await file('gateway.yaml', MINIMAL),
        env: {
          GRIDLINK_MQTT__TLS__ENABLED: 'true',
          GRIDLINK_MQTT__TLS__CERT_FILE: '/etc/gridlink/gw.crt',
          GRIDLINK_MQTT__TLS__KEY_FILE: '/etc/gridlink/gw.key',
        },
      }),
    );
    expect(loaded.mqtt.tls).toMatchObject({ cert_file: '/etc/gridlink/gw.crt', key_file: '/etc/gridlink/gw.key' });
  });

  it('reports an unreadable secret file naming the variable and the path', async () => {
    const missing = join(dir, 'no-such-secret');
    expect(
      errors(
        loadConfig({
          file: await file('gateway.yaml', MINIMAL),
          env: { GRIDLINK_TELEMETRY__INFLUX__PASSWORD_FILE: missing },
        }),
      ),
    ).toEqual([`GRIDLINK_TELEMETRY__INFLUX__PASSWORD_FILE: cannot read ${missing} (no such file)`]);
  });

  it('refuses a variable that names no field, with the likely one', async () => {
    expect(
      errors(
        loadConfig({
          file: await file('gateway.yaml', MINIMAL),
          env: {
            GRIDLINK_MQTT__PROT: '1884',
            GRIDLINK_MQTT__TLS: 'on',
            GRIDLINK_LOG_LEVEL: 'debug',
            GRIDLINK_NOTHING__HERE: '1',
          },
        }),
      ),
    ).toEqual([
      'GRIDLINK_LOG_LEVEL: names no configuration field (did you mean GRIDLINK_LOG__LEVEL?)',
      'GRIDLINK_MQTT__PROT: names no configuration field (did you mean GRIDLINK_MQTT__PORT?)',
      'GRIDLINK_MQTT__TLS: names the section mqtt.tls, not a field (set its fields, e.g. GRIDLINK_MQTT__TLS__ENABLED)',
      'GRIDLINK_NOTHING__HERE: names no configuration field',
    ]);
  });

  it("leaves other tools' GRIDLINK_ variables alone (they name no section)", async () => {
    const loaded = config(
      loadConfig({
        file: await file('gateway.yaml', MINIMAL),
        env: { GRIDLINK_TEST_PG_URL: 'postgres://x', GRIDLINK_TEST_MQTT_URL: 'mqtt://x', PATH: '/usr/bin' },
      }),
    );
    expect(loaded.mqtt.port).toBe(1883);
  });

  it('refuses a field set by both a variable and its _FILE twin', async () => {
    const secret = await file('pw', 'x\n');
    const path = await file(
      'gateway.yaml',
      `${MINIMAL}telemetry:\n  influx:\n    version: 1\n    url: http://127.0.0.1:8086\n    database: gridlink\n`,
    );
    expect(
      errors(
        loadConfig({
          file: path,
          env: {
            GRIDLINK_TELEMETRY__INFLUX__PASSWORD: 'inline-secret',
            GRIDLINK_TELEMETRY__INFLUX__PASSWORD_FILE: secret,
          },
        }),
      ),
    ).toEqual([
      'GRIDLINK_TELEMETRY__INFLUX__PASSWORD_FILE: sets telemetry.influx.password, which GRIDLINK_TELEMETRY__INFLUX__PASSWORD already sets; use one of them',
    ]);
  });

  it('says which variable a bad value came from', async () => {
    expect(
      errors(loadConfig({ file: await file('gateway.yaml', MINIMAL), env: { GRIDLINK_MQTT__PORT: '70000' } })),
    ).toEqual(['mqtt.port: expected integer <= 65535, received number 70000 (from GRIDLINK_MQTT__PORT)']);
  });
});

describe('loadConfig: every problem at once', () => {
  it('lists every invalid field of the file and the environment in one go, as path: message', async () => {
    const path = await file(
      'gateway.yaml',
      [
        'gateway:',
        '  id: GW_1',
        '  community: 320803001001',
        'mqtt:',
        '  port: 70000',
        '  prot: 1884',
        '  tls:',
        '    client_certificates: sometimes',
        'liveness:',
        '  offline_after_missed: 0',
        'telemetry:',
        '  influx:',
        '    version: 1',
        '    url: not a url',
        '    database: ""',
        '    token: abc',
        'log:',
        '  level: infos',
        '',
      ].join('\n'),
    );
    expect(errors(loadConfig({ file: path, env: { GRIDLINK_HTTP__PORT: 'high', GRIDLINK_MQTT__PROT: '1' } }))).toEqual([
      'GRIDLINK_MQTT__PROT: names no configuration field (did you mean GRIDLINK_MQTT__PORT?)',
      'gateway.id: a gateway id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit (received string "GW_1")',
      'gateway.community: expected string, received number 320803001001',
      'mqtt.port: expected integer <= 65535, received number 70000',
      'mqtt.tls.client_certificates: expected one of "off", "optional", "required", received string "sometimes"',
      'mqtt.prot: unknown field (did you mean port?)',
      'liveness.offline_after_missed: expected integer >= 1, received number 0',
      'telemetry.influx.url: expected a URL like http://host:port, received string "not a url"',
      'telemetry.influx.database: expected at least 1 character, received string ""',
      'telemetry.influx.token: not a field when version is 1',
      'http.port: expected integer, received string "high" (from GRIDLINK_HTTP__PORT)',
      'log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", received string "infos" (did you mean "info"?)',
    ]);
  });

  it('names an unknown field, suggesting the one that was probably meant', async () => {
    const path = await file('gateway.yaml', `${MINIMAL}mqtt:\n  prot: 1884\n  tsl: {}\nhttpd: {}\n`);
    expect(errors(loadConfig({ file: path, env: {} }))).toEqual([
      'mqtt.prot: unknown field (did you mean port?)',
      'mqtt.tsl: unknown field (did you mean tls?)',
      'httpd: unknown field (did you mean http?)',
    ]);
  });

  it('reports cross-field rules (TLS without a certificate)', async () => {
    const path = await file('gateway.yaml', `${MINIMAL}mqtt:\n  tls:\n    enabled: true\n`);
    expect(errors(loadConfig({ file: path, env: {} }))).toEqual([
      'mqtt.tls.cert_file: TLS is enabled: set cert_file and key_file',
    ]);
  });

  it('attack: an http:// uplink to a cloud across the network (token and events in clear) is refused, naming the field and the fix', async () => {
    const uplink = (url: string, extra = '') =>
      `${MINIMAL}uplink:\n  enabled: true\n  url: ${url}\n  token: a-token-of-sixteen-chars\n${extra}`;
    const fix =
      'uplink.url: the uplink is http://: the gateway token and every event would cross the network in clear; ' +
      'use https:// (a cloud behind TLS), or on a development bench set uplink.allow_insecure_http: true';
    for (const url of [
      'http://cloud.example.cn',
      'http://192.168.1.5:8080',
      'http://[fd00::5]:8080',
      'http://127.0.0.1.evil.example',
    ])
      expect(errors(loadConfig({ file: await file('gateway.yaml', uplink(url)), env: {} })), url).toEqual([fix]);
    // The cloud on this machine (npm start), https, or the explicit development flag.
    for (const url of [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
      'https://cloud.example.cn',
    ])
      expect(config(loadConfig({ file: await file('gateway.yaml', uplink(url)), env: {} })).uplink.url).toBe(url);
    const flagged = uplink('http://192.168.1.5:8080', '  allow_insecure_http: true\n');
    expect(config(loadConfig({ file: await file('gateway.yaml', flagged), env: {} })).uplink.allow_insecure_http).toBe(
      true,
    );
  });

  it('refuses a camera both pinned (tls_ca_file) and unchecked (insecure_tls)', async () => {
    const camera = `${MINIMAL}onvif:\n  cameras:\n    - { id: cam-1, xaddr: 'https://192.168.1.64/onvif/device_service', username: u, password_env: CAM, tls_ca_file: /etc/cam.pem, insecure_tls: true }\n`;
    expect(errors(loadConfig({ file: await file('gateway.yaml', camera), env: {} }))).toEqual([
      'onvif.cameras.0.insecure_tls: tls_ca_file pins the certificate, insecure_tls turns checking off: set one of them',
    ]);
  });

  it('refuses client certificates without TLS, and plain WebSocket passwords when certificates are required', async () => {
    const noTls = await file(
      'no-tls.yaml',
      `${MINIMAL}mqtt:\n  tls:\n    client_certificates: required\n    ca_file: ca.pem\n`,
    );
    expect(errors(loadConfig({ file: noTls, env: {} }))).toEqual([
      'mqtt.tls.enabled: client_certificates is required but TLS is off, so no certificate is ever checked: set mqtt.tls.enabled: true (with cert_file, key_file, ca_file) or client_certificates: off',
    ]);
    const tls = '  tls:\n    enabled: true\n    cert_file: c.pem\n    key_file: k.pem\n    ca_file: ca.pem\n';
    const ws = await file(
      'ws.yaml',
      `${MINIMAL}mqtt:\n${tls}    client_certificates: required\n  websocket:\n    enabled: true\n`,
    );
    expect(errors(loadConfig({ file: ws, env: {} }))).toEqual([
      'mqtt.websocket.enabled: client_certificates is required, and plain WebSocket logins use passwords: set websocket.enabled: false, or mqtt.tls.allow_plain_passwords: true for devices that cannot do TLS',
    ]);
    const stray = await file(
      'stray.yaml',
      `${MINIMAL}mqtt:\n${tls}    client_certificates: optional\n    allow_plain_passwords: true\n`,
    );
    expect(errors(loadConfig({ file: stray, env: {} }))).toEqual([
      'mqtt.tls.allow_plain_passwords: only applies with client_certificates: required (it is optional): remove it',
    ]);
  });

  it('names line and column of a YAML syntax error', async () => {
    const path = await file('gateway.yaml', 'gateway:\n  id: gw-1\n   community: "320803001001"\n');
    const found = errors(loadConfig({ file: path, env: {} }));
    expect(found[0]).toBe(`${path}: line 2, column 7: Nested mappings are not allowed in compact mappings`);
    for (const line of found) expect(line).toMatch(/: line \d+, column \d+: /);
  });

  it('reports duplicate keys as syntax errors, with their line', async () => {
    const path = await file('gateway.yaml', `${MINIMAL}mqtt:\n  port: 1\n  port: 2\n`);
    expect(errors(loadConfig({ file: path, env: {} }))).toEqual([`${path}: line 6, column 3: Map keys must be unique`]);
  });

  it('reports a file that cannot be read, and a file that is not a mapping', async () => {
    const missing = join(dir, 'missing.yaml');
    expect(errors(loadConfig({ file: missing, env: {} }))).toEqual([
      `${missing}: cannot read the configuration file (no such file)`,
    ]);
    const list = await file('list.yaml', '- a\n- b\n');
    expect(errors(loadConfig({ file: list, env: {} }))).toEqual([
      `${list}: expected a mapping of sections (gateway:, mqtt:, …), received a list of 2`,
    ]);
  });

  it('reports bad variables together with a YAML syntax error', async () => {
    const path = await file('gateway.yaml', 'gateway: [\n');
    const found = errors(loadConfig({ file: path, env: { GRIDLINK_MQTT__PROT: '1' } }));
    expect(found).toHaveLength(2);
    expect(found[1]).toBe('GRIDLINK_MQTT__PROT: names no configuration field (did you mean GRIDLINK_MQTT__PORT?)');
  });
});

describe('loadConfig: secrets never appear in error text', () => {
  const SECRET = 'hunter2-do-not-print';

  it('hides the value of a password or token that fails validation', async () => {
    const path = await file(
      'gateway.yaml',
      `${MINIMAL}telemetry:\n  influx:\n    version: 2\n    url: http://127.0.0.1:8086\n    org: o\n    bucket: b\n    token: ""\n`,
    );
    const found = errors(loadConfig({ file: path, env: { GRIDLINK_TELEMETRY__INFLUX__PASSWORD: SECRET } }));
    expect(found).toEqual([
      'telemetry.influx.token: expected at least 1 character, received a value',
      'telemetry.influx.password: not a field when version is 2',
    ]);
    const numeric = await file(
      'numeric.yaml',
      `${MINIMAL}telemetry:\n  influx:\n    version: 1\n    url: http://x:8086\n    database: d\n    password: 424242\n`,
    );
    expect(errors(loadConfig({ file: numeric, env: {} }))).toEqual([
      'telemetry.influx.password: expected string, received a value',
    ]);
  });

  it('leaves the source excerpt out of YAML syntax errors', async () => {
    const path = await file('gateway.yaml', `${MINIMAL}telemetry:\n  influx:\n    password: "${SECRET}\n`);
    const found = errors(loadConfig({ file: path, env: {} }));
    expect(found).toHaveLength(1);
    expect(found.join('\n')).not.toContain(SECRET);
  });

  it('hides credentials inside a URL', async () => {
    const path = await file(
      'gateway.yaml',
      `${MINIMAL}telemetry:\n  influx:\n    version: 1\n    database: d\n    url: "http//admin:${SECRET}@influx"\n`,
    );
    const found = errors(loadConfig({ file: path, env: {} }));
    expect(found).toEqual([
      'telemetry.influx.url: expected a URL like http://host:port, received string "http//…@influx"',
    ]);
  });

  it('knows the secret fields and redacts them for logging', () => {
    expect(SECRET_CONFIG_PATHS).toEqual(
      expect.arrayContaining(['telemetry.influx.password', 'telemetry.influx.token']),
    );
    const redacted = redactConfig({ telemetry: { influx: { version: 1, password: SECRET } } });
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(redacted.telemetry.influx.password).toBe('[redacted]');
  });
});

describe('gateway.example.yaml', () => {
  const example = fileURLToPath(new URL('./gateway.example.yaml', import.meta.url));

  it('loads without errors', () => {
    const loaded = config(loadConfig({ file: example, env: {} }));
    expect(loaded.gateway.id).toBe('gw-320803-001');
  });

  it('documents every field of the schema (set, or shown in a comment)', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(example, 'utf8');
    const parsed = YAML.parse(text) as Record<string, unknown>;
    const undocumented = leafPaths(GatewayConfig as unknown as ConfigSchema).filter((path) => {
      const value = path.reduce<unknown>(
        (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        parsed,
      );
      const last = path[path.length - 1] ?? '';
      return value === undefined && !new RegExp(`#.*\\b${last}:`).test(text);
    });
    expect(undocumented.map((path) => path.join('.'))).toEqual([]);
  });
});
