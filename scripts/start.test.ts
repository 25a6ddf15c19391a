import { exec, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cannotRun } from '@gridlink/testkit';
import { findInfluxd } from '@gridlink/testkit/services';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (command: string) => promisify(exec)(command, { cwd: root, shell: '/bin/bash' });
// Each run its own data directory: the developer's .gridlink (and its database) stays untouched.
const dataDirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-start-'));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm start` with these options until it stops by itself; its output and exit code. */
const start = async (dataDir: string, options: string[], onOutput?: (output: string, stop: () => void) => void) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=gridlink-source', 'scripts/start.ts', '--data-dir', dataDir, ...options],
    { cwd: root, env: { ...process.env, GRIDLINK_MQTT__PORT: '0' } },
  );
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk;
    onOutput?.(output, () => child.kill('SIGTERM'));
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { output, code };
};

describe('npm start', () => {
  it('runs the cloud, the gateway and a simulated community, reports what happens and stops cleanly', async () => {
    const dataDir = newDataDir();
    // Without Node-RED, whose connection to the gateway would count among the clients
    // (start-flows.test.ts runs npm start with it).
    const { output, code } = await start(dataDir, [
      '--exit-after',
      '4',
      '--per-kind',
      '1',
      '--status-every',
      '1',
      '--node-red',
      'off',
    ]);

    expect(output).toMatch(/embedded MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('Simulated community: 16 devices of 16 kinds');
    // The one ONVIF camera runs as a camera, not as an MQTT device.
    expect(output).toContain('15 simulated devices connected');
    expect(output).toContain('ONVIF cameras: 1 simulated camera on 127.0.0.1 (0 push, 1 PullPoint)');
    expect(output).toMatch(/status {6}15 clients · \d+ valid messages/);
    expect(output).toContain(`Cloud (embedded database in ${join(dataDir, 'cloud')}): http://127.0.0.1:`);
    // Residents report without an account; where is printed with the cloud's address.
    expect(output).toMatch(/Resident reports: +http:\/\/127\.0\.0\.1:\d+\/#\/report-problem/);
    expect(output).toMatch(/cloud link online · \d+ in outbox/);
    expect(output).toMatch(/stopped: \d+ valid messages, \d+ invalid, [1-9]\d* events in the cloud/);
    expect(code).toBe(0);
  }, 60_000);

  it('prints sign-ins made for the run that open the web pages, and makes them anew on a second run over the same data', async () => {
    const dataDir = newDataDir();
    const signInLine = /^ {6}dev\.gridworker +(\S+) /m;
    for (const run of ['first', 'second']) {
      // While the run is up: the printed grid worker signs in and the cloud serves the web pages.
      let checked: Promise<{ login: number; page: number; html: string }> | undefined;
      const { output, code } = await start(dataDir, ['--exit-after', '6', '--per-kind', '1'], (sofar) => {
        const url = /Web pages: {11}(http:\/\/127\.0\.0\.1:\d+)\//.exec(sofar)?.[1];
        const password = signInLine.exec(sofar)?.[1];
        if (checked || !url || !password) return;
        checked = (async () => {
          const login = await fetch(`${url}/api/v1/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'dev.gridworker', password }),
          });
          const page = await fetch(`${url}/`);
          return { login: login.status, page: page.status, html: await page.text() };
        })();
      });
      expect(code, `${run} run: ${output}`).toBe(0);
      for (const username of ['dev.dispatcher', 'dev.property', 'dev.gridworker', 'dev.admin'])
        expect(output).toMatch(new RegExp(`^ {6}${username.replace('.', '\\.')} +[A-Za-z0-9_-]{24} `, 'm'));
      expect(output).toContain("watch dev.gridworker's incidents");
      const result = await checked;
      expect(result?.login, `${run} run`).toBe(201);
      expect(result?.page).toBe(200);
      expect(result?.html).toMatch(/<html/i);
    }
  }, 120_000);

  it('attack: the admin token and the observer password are never printed inside a command line; the printed commands read them from owner-only files', async () => {
    const dataDir = newDataDir();
    const hasMosquittoSub = spawnSync('mosquitto_sub', ['--help']).error === undefined;
    let checked: Promise<{ curl: string; watched: string; console: number }> | undefined;
    const { output, code } = await start(dataDir, ['--exit-after', '12', '--per-kind', '1'], (sofar) => {
      if (checked || !sofar.includes('Stop with Ctrl-C.')) return;
      const [, consoleUrl, installerPassword] =
        /Installer console: +(http:\/\/127\.0\.0\.1:\d+)\/ +sign in as installer, [^\n]*\n +(\S+)\n/.exec(sofar) ?? [];
      // The commands exactly as printed, run by a shell as a developer would paste them.
      const curl = /Send the gateway a command: (curl [^\n]*\\\n[^\n]*\\\n[^\n]*)/.exec(sofar)?.[1] as string;
      const watch = /Watch all traffic: +([^\n]+)/.exec(sofar)?.[1] as string;
      checked = (async () => ({
        curl: (await run(`${curl} -s -o /dev/null -w '%{http_code}'`)).stdout,
        watched: hasMosquittoSub ? (await run(`${watch} -C 1 -W 8`)).stdout : 'gridlink/(mosquitto_sub not installed)',
        console: (
          await fetch(`${consoleUrl}/api/console/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'installer', password: installerPassword }),
          })
        ).status,
      }))();
    });
    expect(code, output).toBe(0);
    const result = await checked;
    expect(result?.curl).toBe('201');
    expect(result?.watched).toMatch(/^gridlink\//);
    expect(result?.console, 'the printed installer signs in to the gateway console').toBe(200);
    const token = /Cloud admin token for this run \(also in (\S+), owner-only\):\n +(\S+)\n/.exec(output);
    const password = /its password for this run \(also in (\S+), owner-only\):\n +(\S+)\n/.exec(output);
    const installer = /sign in as installer, its password for this run \(also in (\S+), owner-only\):\n +(\S+)\n/.exec(
      output,
    );
    for (const [, file, secret] of [token, password, installer].map((m) => m as RegExpExecArray)) {
      // Printed once, alone on its line, and kept in a file only its owner reads.
      expect(output.split(secret as string)).toHaveLength(2);
      expect(
        output
          .split('\n')
          .find((line) => line.includes(secret as string))
          ?.trim(),
      ).toBe(secret);
      expect(readFileSync(file as string, 'utf8').trim()).toBe(secret);
      expect(statSync(file as string).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secrets', 'admin-token.header')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secrets', 'console', 'mosquitto_sub')).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('by default runs a generated community, keeps the scenario devices for `npm run sim` and writes their credentials', async () => {
    const dataDir = newDataDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=gridlink-source',
        'scripts/start.ts',
        '--data-dir',
        dataDir,
        '--exit-after',
        '6',
        '--status-every',
        '2',
        // Node-RED's connection to the gateway would count among the clients (start-flows.test.ts runs it).
        '--node-red',
        'off',
      ],
      { cwd: root, env: { ...process.env, GRIDLINK_MQTT__PORT: '0' } },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toMatch(
      /Simulated community: 308 devices of 16 kinds, each with its own credentials \(generated: 72 households in 3 buildings, 308 placed in the cloud's grids\)/,
    );
    expect(output).toContain(
      `Scenarios (16 devices are kept for them; their credentials are in ${join(dataDir, 'sim-credentials.json')})`,
    );
    expect(output).toContain(
      `npm run sim -- run fire-building-3 --credentials ${join(dataDir, 'sim-credentials.json')}`,
    );
    // The community's five ONVIF cameras run as cameras, not as MQTT devices.
    expect(output).toContain('287 simulated devices connected');
    expect(output).toContain('ONVIF cameras: 5 simulated cameras on 127.0.0.1 (2 push, 3 PullPoint)');
    expect(output).toMatch(/status {6}287 clients · \d+ valid messages/);
    const file = join(dataDir, 'sim-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    expect(credentials.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(credentials.devices)).toContain('smoke-b3-u2-0401');
    expect(Object.keys(credentials.devices)).toHaveLength(16);
    expect(code).toBe(0);
  }, 90_000);
});

describe.skipIf(cannotRun('influxd', findInfluxd() === null && 'influxd (InfluxDB 1.x) is not installed'))(
  'npm start with influxd installed (needs influxd)',
  () => {
    it("writes the community's readings to an InfluxDB of its own in the data folder, and the printed query shows them", async () => {
      const dataDir = newDataDir();
      let looked: Promise<string | Error> | undefined;
      const { output, code } = await start(
        dataDir,
        // Stopped by the test once the readings are there; this only bounds a failing run.
        ['--exit-after', '60', '--per-kind', '1', '--status-every', '1'],
        (sofar, stop) => {
          // After the first status line: by then Ctrl-C (SIGTERM) stops it cleanly.
          if (looked || !/status {6}/.test(sofar)) return;
          const curl = /^ {6}(curl -sG [^\n]+)$/m.exec(sofar)?.[1] as string;
          // The printed query, run as a developer would paste it, until it answers with readings.
          looked = (async () => {
            for (;;) {
              const { stdout } = await run(curl);
              if (stdout.includes('"series"')) return stdout;
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
          })()
            .catch((err: Error) => err)
            .finally(stop);
        },
      );
      expect(code, output).toBe(0);
      expect(output).toContain(`Telemetry: the gateway writes the readings to InfluxDB 1.x at http://127.0.0.1:`);
      expect(output).toContain(`files in ${join(dataDir, 'influxdb')}`);
      expect(output).toMatch(
        /influx -host 127\.0\.0\.1 -port \d+ -database gridlink -execute 'SELECT last\(\*\) FROM sensor GROUP BY device_type'/,
      );
      expect(output).toMatch(/status .* telemetry to InfluxDB/);
      const answer = await looked;
      if (typeof answer !== 'string') throw answer ?? new Error('the console never printed the query');
      const kinds = JSON.parse(answer).results[0].series.map(
        (series: { tags: { device_type: string } }) => series.tags.device_type,
      );
      expect(kinds).toContain('smoke_detector');
      expect(statSync(join(dataDir, 'influxdb', 'data')).isDirectory()).toBe(true);
    }, 90_000);
  },
);

describe('npm start with ONVIF cameras', () => {
  it('runs the community cameras with a password each (kept owner-only, never printed), the gateway onboards and subscribes to them, and their events reach it', async () => {
    const dataDir = newDataDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=gridlink-source',
        'scripts/start.ts',
        '--data-dir',
        dataDir,
        '--per-kind',
        '2',
        '--status-every',
        '1',
        // Stopped by the test once it has seen what it looks for; this only bounds a failing run.
        '--exit-after',
        '100',
        // Something in front of a camera every second or so, so the test need not wait minutes.
        '--camera-event-every',
        '1',
      ],
      { cwd: root, env: { ...process.env, GRIDLINK_MQTT__PORT: '0' } },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Runs until the cameras are subscribed and one of their events has reached the gateway.
    const seen = new Promise<void>((resolve) => {
      const look = (chunk: Buffer) => {
        output += chunk;
        if (
          /cameras 2 online \/ 2 authenticated \/ 2 subscribed of 2/.test(output) &&
          /event {7}cam-0[12] (motion|line_crossing|tamper) /.test(output)
        )
          resolve();
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
    });
    await Promise.race([seen, exited]);
    child.kill('SIGTERM');
    const code = await exited;

    expect(output).toContain('ONVIF cameras: 2 simulated cameras on 127.0.0.1 (1 push, 1 PullPoint)');
    expect(output).toContain('30 simulated devices connected');
    expect(output).toMatch(/status .* cameras 2 online \/ 2 authenticated \/ 2 subscribed of 2/);
    expect(output).toMatch(/event {7}cam-0[12] (motion|line_crossing|tamper) \{"ts":/);
    expect(output).toContain("-t 'gridlink/bridge/health'");
    expect(output).toMatch(
      /A camera snapshot: {3}curl --digest -u gridlink:"\$\(cat .*cam-01\.password\)" 'http:\/\/127\.0\.0\.1:\d+\/onvif\/snapshot/,
    );
    const passwordDir = join(dataDir, 'gateway', 'cameras');
    expect(statSync(passwordDir).mode & 0o777).toBe(0o700);
    for (const camera of ['cam-01', 'cam-02']) {
      const file = join(passwordDir, `${camera}.password`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(output).not.toContain(password);
    }
    expect(code).toBe(0);
  }, 120_000);
});
