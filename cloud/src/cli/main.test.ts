import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, testDataDir } from '../test-support.js';
import { type CliIo, runCli } from './main.js';

function captured(env: Record<string, string> = {}, cwd = testDataDir()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env,
    cwd,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const ADMIN_ENV = { GRIDLINK_AUTH__ADMIN_TOKEN: TEST_ADMIN_TOKEN };

describe('gridlink-cloud', () => {
  it('refuses to start without an admin token, saying how to set one (exit 1)', async () => {
    const run = captured();
    await writeFile(join(run.io.cwd, 'cloud.yaml'), 'http:\n  port: 0\n');
    expect(await runCli(['start', '--config', 'cloud.yaml'], run.io)).toBe(1);
    expect(run.stderr()).toBe(
      'gridlink-cloud: cloud.yaml: configuration invalid (1 error)\n' +
        'auth.admin_token: missing (expected string); set it with GRIDLINK_AUTH__ADMIN_TOKEN or GRIDLINK_AUTH__ADMIN_TOKEN_FILE (a file holding it)\n',
    );
  });

  it('registers a gateway in the embedded database and prints its token once; a second time is refused', async () => {
    const run = captured(ADMIN_ENV);
    expect(await runCli(['gateway', 'add', 'gw-320803-001', '--name', 'Hehu'], run.io)).toBe(0);
    expect(run.stdout()).toMatch(/^glgw_[A-Za-z0-9_-]{43}\n$/);
    expect(run.stderr()).toContain('registered gw-320803-001');

    const again = captured(ADMIN_ENV, run.io.cwd);
    expect(await runCli(['gateway', 'add', 'gw-320803-001'], again.io)).toBe(1);
    expect(again.stderr()).toBe('gridlink-cloud: gateway gw-320803-001 is already registered\n');
  });

  it('starts, serves, and stops on its signal; the token printed by `gateway add` works', async () => {
    const dir = testDataDir();
    const env = { ...ADMIN_ENV, GRIDLINK_HTTP__PORT: '0', GRIDLINK_LOG__LEVEL: 'info' };
    const add = captured(env, dir);
    await runCli(['gateway', 'add', 'gw-cli'], add.io);
    const token = add.stdout().trim();

    const controller = new AbortController();
    const run = captured(env, dir);
    let url = '';
    let status = 0;
    const exit = runCli(['start'], {
      ...run.io,
      signal: controller.signal,
      onListening: (listening) => {
        url = listening;
        void fetch(`${url}/api/v1/gateways/gw-cli/downlink`, { headers: { authorization: `Bearer ${token}` } })
          .then((response) => {
            status = response.status;
          })
          .finally(() => controller.abort());
      },
    });
    expect(await exit).toBe(0);
    expect(status).toBe(200);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The log is JSON lines with the configuration, its secrets redacted.
    expect(run.stdout()).toContain('"admin_token":"[redacted]"');
    expect(run.stdout()).not.toContain(TEST_ADMIN_TOKEN);
    expect(run.stdout()).not.toContain(token);
  });

  it('refuses to register a gateway in a database that lives only in memory', async () => {
    const run = captured({ ...ADMIN_ENV, GRIDLINK_DATABASE__DATA_DIR: 'memory://' });
    expect(await runCli(['gateway', 'add', 'gw-lost'], run.io)).toBe(1);
    expect(run.stderr()).toBe(
      'gridlink-cloud: database.data_dir is memory://: the gateway would be forgotten at once\n',
    );
  });

  it('answers an unknown command with the usage (exit 2)', async () => {
    const run = captured();
    expect(await runCli(['gateways'], run.io)).toBe(2);
    expect(run.stderr()).toContain('Usage: gridlink-cloud <command>');
  });
});
