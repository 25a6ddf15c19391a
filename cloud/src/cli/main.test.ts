import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
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
    expect(
      await runCli(['gateway', 'add', 'gw-320803-001', '--name', 'Hehu', '--community', '320803001001'], run.io),
    ).toBe(0);
    expect(run.stdout()).toMatch(/^glgw_[A-Za-z0-9_-]{43}\n$/);
    expect(run.stderr()).toContain('registered gw-320803-001');
    expect(run.stderr()).not.toContain('warning');
    const wrong = captured(ADMIN_ENV, run.io.cwd);
    expect(await runCli(['gateway', 'add', 'gw-320803-002', '--community', '3208'], wrong.io)).toBe(1);
    expect(wrong.stderr()).toBe('gridlink-cloud: --community: "3208" is not a 12-digit community code\n');

    const again = captured(ADMIN_ENV, run.io.cwd);
    expect(await runCli(['gateway', 'add', 'gw-320803-001'], again.io)).toBe(1);
    expect(again.stderr()).toBe('gridlink-cloud: gateway gw-320803-001 is already registered\n');
    // Two embedded databases opened and migrated one after the other: slow on a busy machine.
  }, 60_000);

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

describe('gridlink-cloud user create', () => {
  const PASSWORD = 'a long district passphrase';
  const piped = (text: string) => Object.assign(Readable.from([text]), { isTTY: false });

  /** Starts the cloud on `dir` and tries to sign in; resolves with the HTTP status. */
  async function signIn(dir: string, username: string, password: string): Promise<number> {
    const controller = new AbortController();
    const run = captured({ ...ADMIN_ENV, GRIDLINK_HTTP__PORT: '0' }, dir);
    let status = 0;
    const exit = runCli(['start'], {
      ...run.io,
      signal: controller.signal,
      onListening: (url) => {
        void fetch(`${url}/api/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        })
          .then((response) => {
            status = response.status;
          })
          .finally(() => controller.abort());
      },
    });
    expect(await exit).toBe(0);
    return status;
  }

  it('creates the first district admin from a piped password, prints only the id, and that admin signs in', async () => {
    const run = captured(ADMIN_ENV);
    run.io.stdin = piped(`${PASSWORD}\n`);
    const args = ['user', 'create', '--username', 'wang.admin', '--role', 'district_admin', '--territory', '320803'];
    expect(await runCli(args, run.io)).toBe(0);
    expect(run.stdout()).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(run.stderr()).toBe(
      'gridlink-cloud: created wang.admin (district_admin over 320803); sign in with POST /api/v1/sessions\n',
    );
    expect(run.stdout() + run.stderr()).not.toContain(PASSWORD);
    expect(await signIn(run.io.cwd, 'wang.admin', PASSWORD)).toBe(201);

    const again = captured(ADMIN_ENV, run.io.cwd);
    again.io.stdin = piped(`${PASSWORD}\n`);
    expect(await runCli(args, again.io)).toBe(1);
    expect(again.stderr()).toBe('gridlink-cloud: the username wang.admin is taken\n');
  });

  it('reads the password from the first line of --password-file', async () => {
    const run = captured(ADMIN_ENV);
    await writeFile(join(run.io.cwd, 'admin.pw'), `${PASSWORD}\r\nnot part of it\n`);
    const args = ['user', 'create', '--username', 'li.admin', '--role', 'district_admin', '--territory', '320803'];
    expect(await runCli([...args, '--password-file', 'admin.pw', '--display-name', '李管理员'], run.io)).toBe(0);
    expect(await signIn(run.io.cwd, 'li.admin', PASSWORD)).toBe(201);
    const absent = captured(ADMIN_ENV, run.io.cwd);
    expect(await runCli([...args, '--password-file', 'nope.pw'], absent.io)).toBe(1);
    expect(absent.stderr()).toBe('gridlink-cloud: --password-file: cannot read nope.pw: ENOENT\n');
  });

  it('refuses weak passwords with the reason, never echoing them, and creates nothing', async () => {
    const cases = [
      ['short pw', 'the password is refused: a password needs at least 12 characters'],
      ['Password2026!', 'the password is refused: this password is among the first any attacker tries: choose another'],
      ['zhao.admin-2026', 'the password is refused: a password must not contain the username'],
      ['', 'no password on stdin: pipe it in or use --password-file'],
    ];
    const dir = testDataDir();
    for (const [password, message] of cases) {
      const run = captured(ADMIN_ENV, dir);
      run.io.stdin = piped(`${password}\n`);
      const args = ['user', 'create', '--username', 'zhao.admin', '--role', 'district_admin', '--territory', '320803'];
      expect(await runCli(args, run.io), password).toBe(1);
      expect(run.stderr()).toBe(`gridlink-cloud: ${message}\n`);
      if (password !== '') expect(run.stdout() + run.stderr()).not.toContain(password);
    }
    expect(await signIn(dir, 'zhao.admin', 'short pw')).toBe(401);
  });

  it('names the flag at fault: missing ones, an unknown role, a territory that is not a code', async () => {
    const run = captured(ADMIN_ENV);
    expect(await runCli(['user', 'create', '--username', 'x.admin'], run.io)).toBe(1);
    expect(run.stderr()).toBe('gridlink-cloud: user create needs --role, --territory\n');
    const role = captured(ADMIN_ENV);
    expect(
      await runCli(['user', 'create', '--username', 'x.admin', '--role', 'root', '--territory', '320803'], role.io),
    ).toBe(1);
    expect(role.stderr()).toContain('--role: "root" is not a role (district_admin, operator,');
    const territory = captured(ADMIN_ENV);
    territory.io.stdin = piped(`${PASSWORD}\n`);
    expect(
      await runCli(
        ['user', 'create', '--username', 'x.admin', '--role', 'district_admin', '--territory', 'huaian'],
        territory.io,
      ),
    ).toBe(1);
    expect(territory.stderr()).toBe(
      'gridlink-cloud: the user is refused:\n' +
        '  --territory: expected a territory code of 6, 9, 12, 15 or 18 digits\n' +
        '  --role/--territory: district_admin needs a territory code of 6, 9, 12 or 15 digits, received "huaian"\n',
    );
  });

  it('asks twice on a terminal with echo off, and refuses two different answers', async () => {
    const terminal = () => {
      const stream = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
      return Object.assign(stream, { setRawMode: (mode: boolean) => stream.modes.push(mode) });
    };
    const run = captured(ADMIN_ENV);
    const tty = terminal();
    run.io.stdin = tty;
    const args = ['user', 'create', '--username', 'sun.admin', '--role', 'district_admin', '--territory', '320803'];
    const exit = runCli(args, run.io);
    tty.write(`${PASSWORD}x\u007f\r`);
    await new Promise((resolve) => setImmediate(resolve));
    tty.write(`${PASSWORD}\r`);
    expect(await exit).toBe(0);
    expect(tty.modes).toEqual([true, false, true, false]);
    expect(run.stderr()).toContain('Password (not shown): \nThe same password again: \n');
    expect(run.stdout() + run.stderr()).not.toContain(PASSWORD);

    const differ = captured(ADMIN_ENV, run.io.cwd);
    const other = terminal();
    differ.io.stdin = other;
    const refused = runCli([...args.slice(0, 3), 'sun.admin2', ...args.slice(4)], differ.io);
    other.write(`${PASSWORD}\r`);
    await new Promise((resolve) => setImmediate(resolve));
    other.write('something else entirely\r');
    expect(await refused).toBe(1);
    expect(differ.stderr()).toContain('gridlink-cloud: the two passwords differ; nothing was created\n');
  });
});
