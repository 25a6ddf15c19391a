import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-start-flows-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `npm start` until it stops by itself; while it runs, `whileUp` may look at what it printed. */
async function npmStart(options: string[], whileUp?: (output: string) => Promise<void> | undefined) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=gridlink-source', 'scripts/start.ts', '--data-dir', dataDir, ...options],
    { cwd: root, env: { ...process.env, GRIDLINK_MQTT__PORT: '0' } },
  );
  let output = '';
  let looked: Promise<void> | undefined;
  const take = (chunk: Buffer) => {
    output += chunk;
    looked ??= whileUp?.(output);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  await looked;
  return { output, code };
}

const editorLine =
  /Node-RED editor: {5}(http:\/\/127\.0\.0\.1:\d+)\/ .*sign in as integrator; its password, shown only now.*:\n {6}(\S+)\n/;

describe('npm start runs Node-RED', { timeout: 120_000 }, () => {
  let firstPassword = '';
  let firstUrl = '';

  it('in its own process on 127.0.0.1, printing its URL and, at the first start, the editor password that opens it', async () => {
    let signedIn: { settings: number; anonymous: number } | undefined;
    const { output, code } = await npmStart(
      ['--exit-after', '8', '--per-kind', '1', '--node-red-port', '0'],
      (sofar) => {
        const found = editorLine.exec(sofar);
        if (!found) return undefined;
        [, firstUrl = '', firstPassword = ''] = found;
        return (async () => {
          const token = await fetch(`${firstUrl}/auth/token`, {
            method: 'POST',
            body: new URLSearchParams({
              client_id: 'node-red-admin',
              grant_type: 'password',
              scope: '*',
              username: 'integrator',
              password: firstPassword,
            }),
          });
          const { access_token } = (await token.json()) as { access_token: string };
          signedIn = {
            settings: (await fetch(`${firstUrl}/settings`, { headers: { authorization: `Bearer ${access_token}` } }))
              .status,
            anonymous: (await fetch(`${firstUrl}/settings`)).status,
          };
        })();
      },
    );
    expect(code, output).toBe(0);
    expect(signedIn).toEqual({ settings: 200, anonymous: 401 });
    expect(output.split(firstPassword)).toHaveLength(2);
    expect(output).toContain('Simulated third-party systems for the flows');
    // The ready flows start without an error, and Node-RED's cloud API token is never printed.
    expect(output).not.toMatch(/node-red {4}\[error\]/);
    expect(output).not.toContain('glt_');
    // Stopped with npm start: nothing answers on its port any more.
    await expect(fetch(`${firstUrl}/auth/login`)).rejects.toThrow();
  });

  it('never prints the password again, and says how to get a new one', async () => {
    const { output, code } = await npmStart(['--exit-after', '3', '--per-kind', '1', '--node-red-port', '0']);
    expect(code, output).toBe(0);
    expect(output).not.toContain(firstPassword);
    // The cloud account made again (it exists from the first run), with a new token: still no error.
    expect(output).not.toMatch(/node-red {4}\[error\]/);
    expect(output).not.toContain('glt_');
    expect(output).toContain(
      `its password was shown at the first start; for a new one delete ${join(dataDir, 'secrets', 'node-red', 'access.json')} and start again`,
    );
  });

  it('refuses a port asked for that another program holds, naming the setting and the fix', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const port = (squatter.address() as { port: number }).port;
    try {
      const { output, code } = await npmStart([
        '--exit-after',
        '3',
        '--per-kind',
        '1',
        '--node-red-port',
        String(port),
      ]);
      expect(code).toBe(1);
      expect(output).toContain(
        `Node-RED: port ${port} on 127.0.0.1 is in use by another program. Set --node-red-port to a free port (0 picks one), or stop the program using port ${port}.`,
      );
      expect(output).toContain('npm start -- --node-red off starts everything else without Node-RED.');
    } finally {
      await new Promise<void>((done) => squatter.close(() => done()));
    }
  });
});
