import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConfigLoader } from './loader.js';

// A service's schema in miniature: one section with a default, one with a secret that has none
// (its section still defaults to {}, so the missing secret itself is what gets reported).
const Auth = z.strictObject({ admin_token: z.string().min(16), grace_s: z.int().min(0).default(60) });
const ServiceConfig = z.strictObject({
  http: z.strictObject({ port: z.int().min(0).max(65535).default(8080) }).prefault({}),
  auth: Auth.prefault({} as z.input<typeof Auth>),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-loader-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createConfigLoader', () => {
  const loader = createConfigLoader(ServiceConfig, { hintMissingSecrets: true });

  it('binds the YAML + GRIDLINK_* loader to any schema and freezes the result', async () => {
    const file = join(dir, 'service.yaml');
    await writeFile(file, 'http:\n  port: 9000\n');
    const secret = join(dir, 'admin-token');
    await writeFile(secret, 'an-admin-token-of-some-length\n');
    const result = loader.loadConfig({
      file,
      env: { GRIDLINK_AUTH__ADMIN_TOKEN_FILE: secret, GRIDLINK_AUTH__GRACE_S: '5' },
    });
    expect(result).toEqual({
      ok: true,
      config: { http: { port: 9000 }, auth: { admin_token: 'an-admin-token-of-some-length', grace_s: 5 } },
    });
    expect(result.ok && Object.isFrozen(result.config.auth)).toBe(true);
  });

  it('says how to set a missing secret', () => {
    expect(loader.loadConfig({ env: {} })).toEqual({
      ok: false,
      errors: [
        'auth.admin_token: missing (expected string); set it with GRIDLINK_AUTH__ADMIN_TOKEN or GRIDLINK_AUTH__ADMIN_TOKEN_FILE (a file holding it)',
      ],
    });
  });

  it('leaves a field unset when its *_FILE is empty (a secret laid out before it is known), and says so', async () => {
    const empty = join(dir, 'admin-token');
    await writeFile(empty, '\n');
    expect(loader.loadConfig({ env: { GRIDLINK_AUTH__ADMIN_TOKEN_FILE: empty } })).toEqual({
      ok: false,
      errors: [
        'auth.admin_token: missing (expected string) (GRIDLINK_AUTH__ADMIN_TOKEN_FILE names an empty file, which leaves it unset); ' +
          'set it with GRIDLINK_AUTH__ADMIN_TOKEN or GRIDLINK_AUTH__ADMIN_TOKEN_FILE (a file holding it)',
      ],
    });
  });

  it("names the schema's own sections when the file is not a mapping", async () => {
    const file = join(dir, 'list.yaml');
    await writeFile(file, '- a\n');
    expect(loader.loadConfig({ file, env: {} })).toEqual({
      ok: false,
      errors: [`${file}: expected a mapping of sections (http:, auth:, …), received a list of 1`],
    });
  });

  it('knows its secret fields, redacts them and names variables from paths', () => {
    expect(loader.secretPaths).toEqual(['auth.admin_token']);
    expect(loader.redactConfig({ auth: { admin_token: 'x', grace_s: 1 } })).toEqual({
      auth: { admin_token: '[redacted]', grace_s: 1 },
    });
    expect(loader.configEnvName(['http', 'port'])).toBe('GRIDLINK_HTTP__PORT');
  });
});
