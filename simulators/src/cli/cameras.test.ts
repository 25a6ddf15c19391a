import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { digestGet, TestOnvifClient, textAt } from '../onvif/test-support.js';
import { runSimCli } from './main.js';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gridlink-sim-cameras-'));
const passwordFile = join(dir, 'camera_password');
writeFileSync(passwordFile, 'cam-secret-for-this-test\n', { mode: 0o600 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runSimCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** A TCP port free right now on loopback, with the three after it: the base of two cameras' ports. */
async function freePortBase(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    await new Promise<void>((done) => server.close(() => done()));
    if (address === null || typeof address === 'string') throw new Error('no port');
    if (address.port + 3 <= 65_535) return address.port;
  }
}

/** `gridlink-sim` as its own process, resolving once it printed `ready`. */
function startSim(argv: string[]): Promise<{ child: ChildProcess; output(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=gridlink-source', BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('cameras ready\n')) resolve({ child, output: () => output });
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
  });
}

describe('gridlink-sim cameras', () => {
  it('runs the community’s ONVIF cameras on the given ports, answering with the password from the file, until SIGTERM', async () => {
    const base = await freePortBase();
    const { child, output } = await startSim([
      'cameras',
      '--count',
      '2',
      '--port-base',
      String(base),
      '--password-file',
      passwordFile,
    ]);
    try {
      const deviceService = `http://127.0.0.1:${base}/onvif/device_service`;
      // The first two ONVIF cameras of the small community, at base and base + 2; discovery on the next port.
      expect(output()).toContain(`  cam-b1-01  ${deviceService}  WS-Discovery 127.0.0.1:${base + 1}\n`);
      expect(output()).toContain(`  cam-b2-01  http://127.0.0.1:${base + 2}/onvif/device_service`);
      expect(output()).not.toContain('cam-secret-for-this-test');

      const credentials = { username: 'gridlink', password: 'cam-secret-for-this-test' };
      const client = new TestOnvifClient(credentials);
      const info = await client.call(deviceService, '<tds:GetDeviceInformation/>');
      expect(info.status).toBe(200);
      expect(textAt(info.body, 'Manufacturer')).toBe('Gridlink');
      expect(textAt(info.body, 'SerialNumber')).toMatch(/^GL[0-9A-F]{14}$/);

      const snapshot = await client.call(
        deviceService.replace('device_service', 'media_service'),
        '<trt:GetSnapshotUri><trt:ProfileToken>Profile_1</trt:ProfileToken></trt:GetSnapshotUri>',
      );
      const uri = textAt(snapshot.body, 'MediaUri', 'Uri') ?? '';
      expect(uri).toBe(`http://127.0.0.1:${base}/onvif/snapshot?profile=Profile_1`);
      const picture = await digestGet(uri, credentials);
      expect(picture.status).toBe(200);
      expect(picture.headers.get('content-type')).toBe('image/jpeg');

      const wrong = new TestOnvifClient({ username: 'gridlink', password: 'not-the-password' });
      expect((await wrong.call(deviceService, '<tds:GetDeviceInformation/>')).status).toBe(400);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(output()).toMatch(/cameras stopped\n$/);
    // Stopped means the ports are free again.
    await expect(fetch(`http://127.0.0.1:${base}/onvif/device_service`)).rejects.toThrow();
  }, 60_000);

  it('names the flag and the fix for each bad option, starting nothing', async () => {
    const base = ['--port-base', '18000', '--password-file', passwordFile];
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const cases: Array<[string[], string]> = [
      [['--port-base', '18000'], '--password-file: required, a file holding the password'],
      [['--port-base', '18000', '--password-file', join(dir, 'missing')], '--password-file: cannot read'],
      [['--port-base', '18000', '--password-file', empty], `--password-file: ${empty} is empty`],
      [['--password-file', passwordFile], '--port-base: expected a port from 1024 up'],
      [['--port-base', '65530', '--password-file', passwordFile], '--port-base: expected a port from 1024 up'],
      [
        [...base, '--count', '9'],
        "--count: expected a whole number from 1 to 5 (the small community's ONVIF cameras), received 9",
      ],
      [[...base, '--count', 'two'], '--count: expected a whole number from 1 to 5'],
      [[...base, '--host', '0.0.0.0'], '--host: the cameras tell the gateway their address'],
      [[...base, '--host', 'not a host'], '--host: expected an IP address or a host name'],
      [[...base, '--username', 'a:b'], '--username: expected a non-empty name without ":"'],
      [[...base, '--size', 'huge'], '--size: expected small or full, received huge'],
    ];
    for (const [argv, message] of cases) {
      const result = await cli('cameras', ...argv);
      expect(result, argv.join(' ')).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr, argv.join(' ')).toContain(`gridlink-sim: ${message}`);
    }
  });

  it('is in the help', async () => {
    const { stdout } = await cli('help');
    expect(stdout).toContain('gridlink-sim cameras --port-base <port> --password-file <file>');
  });
});
