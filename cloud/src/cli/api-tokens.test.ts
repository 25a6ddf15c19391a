import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, testDataDir } from '../test-support.js';
import { type CliIo, runCli } from './main.js';

const ENV = { GRIDLINK_AUTH__ADMIN_TOKEN: TEST_ADMIN_TOKEN };
const PASSWORD = 'correct horse battery staple';

function captured(cwd: string, env: Record<string, string> = ENV) {
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

/** Runs `start` on `dir`'s database and answers the status of `GET /api/v1/me` with each token. */
async function meWith(dir: string, tokens: string[]): Promise<number[]> {
  const controller = new AbortController();
  const run = captured(dir, { ...ENV, GRIDLINK_HTTP__PORT: '0' });
  let statuses: number[] = [];
  const exit = runCli(['start'], {
    ...run.io,
    signal: controller.signal,
    onListening: (url) => {
      void Promise.all(
        tokens.map((token) =>
          fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status),
        ),
      )
        .then((found) => {
          statuses = found;
        })
        .finally(() => controller.abort());
    },
  });
  expect(await exit).toBe(0);
  return statuses;
}

describe('gridlink-cloud user token', () => {
  it('adds a token printed once that the cloud accepts, lists it masked, and revokes it', async () => {
    const dir = testDataDir();
    await writeFile(join(dir, 'bridge.pw'), `${PASSWORD}\n`);
    const create = captured(dir);
    const user = [
      'user',
      'create',
      '--username',
      'nodered.bridge',
      '--role',
      'operator',
      '--territory',
      '320803001001',
    ];
    expect(await runCli([...user, '--password-file', 'bridge.pw'], create.io), create.stderr()).toBe(0);

    const add = captured(dir);
    expect(await runCli(['users', 'token', 'add', '--username', 'nodered.bridge', '--name', 'node-red'], add.io)).toBe(
      0,
    );
    expect(add.stdout()).toMatch(/^glt_[A-Za-z0-9_-]{43}\n$/);
    const token = add.stdout().trim();
    expect(add.stderr()).toContain('shown only once');
    expect(add.stderr()).not.toContain(token);

    const second = captured(dir);
    const secondArgs = ['user', 'token', 'add', '--username', 'nodered.bridge', '--name', 'spare'];
    expect(await runCli([...secondArgs, '--expires', '2027-06-30'], second.io)).toBe(0);
    const spare = second.stdout().trim();

    const list = captured(dir);
    expect(await runCli(['user', 'token', 'list', '--username', 'nodered.bridge'], list.io)).toBe(0);
    const lines = list.stdout().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(list.stdout()).toContain(`glt_…${token.slice(-4)}  node-red`);
    expect(list.stdout()).toContain('expires 2027-06-30T00:00:00.000Z');
    expect(list.stdout()).not.toContain(token);
    const spareId = lines.find((line) => line.includes('spare'))?.split(' ')[0] as string;

    const revoke = captured(dir);
    expect(await runCli(['user', 'token', 'revoke', spareId, '--username', 'nodered.bridge'], revoke.io)).toBe(0);
    expect(revoke.stderr()).toContain('revoked');

    expect(await meWith(dir, [token, spare])).toEqual([200, 401]);
  }, 90_000);

  it('refuses an unknown user, a missing name and an expiry beyond auth.api_tokens.max_days', async () => {
    const dir = testDataDir();
    const unknown = captured(dir);
    expect(await runCli(['user', 'token', 'add', '--username', 'nobody', '--name', 'x'], unknown.io)).toBe(1);
    expect(unknown.stderr()).toBe('gridlink-cloud: no user "nobody"\n');

    await writeFile(join(dir, 'pw'), `${PASSWORD}\n`);
    const user = ['user', 'create', '--username', 'bms.bridge', '--role', 'operator', '--territory', '320803001001'];
    expect(await runCli([...user, '--password-file', 'pw'], captured(dir).io)).toBe(0);
    const nameless = captured(dir);
    expect(await runCli(['user', 'token', 'add', '--username', 'bms.bridge'], nameless.io)).toBe(2);
    expect(nameless.stderr()).toContain('user token add needs --name <text>');
    const far = captured(dir);
    const farArgs = ['user', 'token', 'add', '--username', 'bms.bridge', '--name', 'x', '--expires', '2199-01-01'];
    expect(await runCli(farArgs, far.io)).toBe(1);
    expect(far.stderr()).toMatch(/^gridlink-cloud: --expires: at most .* \(730 days, auth\.api_tokens\.max_days\)\n$/);
    const bad = captured(dir);
    expect(await runCli([...farArgs.slice(0, -1), 'soon'], bad.io)).toBe(1);
    expect(bad.stderr()).toBe('gridlink-cloud: --expires: "soon" is not a date (e.g. 2027-06-30)\n');
  }, 90_000);
});
