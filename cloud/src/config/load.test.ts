import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type ConfigSchema, leafPaths } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { testDataDir } from '../test-support.js';
import { loadCloudConfig, redactCloudConfig } from './load.js';
import { CloudConfig } from './schema.js';

const example = fileURLToPath(new URL('../../cloud.example.yaml', import.meta.url));
const ADMIN = { GRIDLINK_AUTH__ADMIN_TOKEN: 'an-admin-token-that-is-long-enough-0123' };

describe('cloud configuration', () => {
  it('refuses to start without an admin token, naming the field and how to set it', () => {
    expect(loadCloudConfig({ file: example, env: {} })).toEqual({
      ok: false,
      errors: [
        'auth.admin_token: missing (expected string); set it with GRIDLINK_AUTH__ADMIN_TOKEN or GRIDLINK_AUTH__ADMIN_TOKEN_FILE (a file holding it)',
      ],
    });
  });

  it('loads the example with the admin token from the environment, with every default', () => {
    const result = loadCloudConfig({ file: example, env: ADMIN });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config).toEqual({
      cloud: { data_dir: './data' },
      http: {
        host: '127.0.0.1',
        port: 8080,
        tls: { enabled: false, client_certificates: 'off' },
        trusted_proxies: [],
      },
      database: { pool_max: 10 },
      auth: {
        admin_token: ADMIN.GRIDLINK_AUTH__ADMIN_TOKEN,
        token_grace_s: 86_400,
        login: { per_address_burst: 20, per_address_per_minute: 10, concurrent_checks: 4, queued_checks: 32 },
        api_tokens: { default_days: 365, max_days: 730 },
      },
      privacy: {},
      attachments: { max_bytes: 10_485_760, snapshot_request_timeout_s: 30 },
      robots: { allowed_hosts: [] },
      devices: { health_retention_days: 90, readings_retention_days: 30 },
      partitions: {
        months_ahead: 3,
        retention_months: { gateway_events: 13, incident_steps: 0, device_availability: 13 },
      },
      web: { map_attribution: '' },
      log: { level: 'info' },
    });
    expect(Object.isFrozen(result.config.auth)).toBe(true);
  });

  it('takes trusted proxies as addresses or CIDR blocks, and names an entry that is neither', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = `${testDataDir()}/cloud.yaml`;
    await writeFile(file, 'http:\n  trusted_proxies: ["10.0.0.5", "10.0.0.0/8", "fd00::/8"]\n');
    const good = loadCloudConfig({ file, env: ADMIN });
    expect(good.ok && good.config.http.trusted_proxies).toEqual(['10.0.0.5', '10.0.0.0/8', 'fd00::/8']);
    await writeFile(file, 'http:\n  trusted_proxies: ["10.0.0.0/33", "proxy.local"]\n');
    const bad = loadCloudConfig({ file, env: ADMIN });
    expect(bad.ok || bad.errors).toEqual([
      'http.trusted_proxies.0: expected an IP address or a CIDR block, e.g. 10.0.0.5 or 10.0.0.0/8',
      'http.trusted_proxies.1: expected an IP address or a CIDR block, e.g. 10.0.0.5 or 10.0.0.0/8',
    ]);
  });

  it('refuses an API token default longer than its maximum, naming the field', () => {
    const result = loadCloudConfig({
      env: { ...ADMIN, GRIDLINK_AUTH__API_TOKENS__DEFAULT_DAYS: '400', GRIDLINK_AUTH__API_TOKENS__MAX_DAYS: '90' },
    });
    expect(result.ok || result.errors).toEqual([
      'auth.api_tokens.default_days: default_days must not exceed max_days (from GRIDLINK_AUTH__API_TOKENS__DEFAULT_DAYS)',
    ]);
  });

  it('asks for what TLS with client certificates needs', () => {
    const result = loadCloudConfig({ env: { ...ADMIN, GRIDLINK_HTTP__TLS__CLIENT_CERTIFICATES: 'required' } });
    expect(result.ok || result.errors).toEqual([
      'http.tls.client_certificates: client certificates need tls.enabled: true (from GRIDLINK_HTTP__TLS__CLIENT_CERTIFICATES)',
      'http.tls.ca_file: client certificates need ca_file (the CA that signs them)',
    ]);
  });

  it('reads the admin token and the database password from files', async () => {
    const dir = testDataDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/admin`, 'from-a-file-0123456789-0123456789-abc\n');
    await writeFile(`${dir}/pg`, 'pg-secret\n');
    const result = loadCloudConfig({
      env: {
        GRIDLINK_AUTH__ADMIN_TOKEN_FILE: `${dir}/admin`,
        GRIDLINK_DATABASE__URL: 'postgres://gridlink@db:5432/gridlink',
        GRIDLINK_DATABASE__PASSWORD_FILE: `${dir}/pg`,
      },
    });
    expect(result.ok && result.config.auth.admin_token).toBe('from-a-file-0123456789-0123456789-abc');
    expect(result.ok && result.config.database).toEqual({
      url: 'postgres://gridlink@db:5432/gridlink',
      password: 'pg-secret',
      pool_max: 10,
    });
  });

  it('refuses a short admin token, a non-PostgreSQL URL and both database kinds at once', () => {
    const result = loadCloudConfig({
      env: {
        GRIDLINK_AUTH__ADMIN_TOKEN: 'short',
        GRIDLINK_DATABASE__URL: 'mysql://db/x',
        GRIDLINK_DATABASE__DATA_DIR: './pglite',
      },
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        'database.url: expected a URL like postgres://user@host:5432/gridlink, received string "mysql://db/x" (from GRIDLINK_DATABASE__URL)',
        'database.data_dir: set url (PostgreSQL) or data_dir (embedded), not both (from GRIDLINK_DATABASE__DATA_DIR)',
        'auth.admin_token: expected at least 32 characters, received a value (from GRIDLINK_AUTH__ADMIN_TOKEN)',
      ],
    });
  });

  it('redacts the admin token, the database password and a password inside the database URL', () => {
    const redacted = redactCloudConfig({
      auth: { admin_token: 'x' },
      database: { url: 'postgres://gridlink:hunter2@db:5432/gridlink', password: 'y', pool_max: 1 },
    });
    expect(redacted).toEqual({
      auth: { admin_token: '[redacted]' },
      database: { url: 'postgres://gridlink:redacted@db:5432/gridlink', password: '[redacted]', pool_max: 1 },
    });
  });

  it('cloud.example.yaml documents every field (set, or shown in a comment)', async () => {
    const text = await readFile(example, 'utf8');
    const parsed = YAML.parse(text) as Record<string, unknown>;
    const undocumented = leafPaths(CloudConfig as unknown as ConfigSchema).filter((path) => {
      const value = path.reduce<unknown>(
        (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        parsed,
      );
      return value === undefined && !new RegExp(`#\\s*${path[path.length - 1]}:`).test(text);
    });
    expect(undocumented.map((path) => path.join('.'))).toEqual([]);
  });
});
