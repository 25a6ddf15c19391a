import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
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

describe('npm start', () => {
  it('runs the cloud, the gateway and a simulated community, reports what happens and stops cleanly', async () => {
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
        '4',
        '--per-kind',
        '1',
        '--status-every',
        '1',
      ],
      {
        cwd: root,
        env: { ...process.env, GRIDLINK_MQTT__PORT: '0' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toMatch(/embedded MQTT broker: mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('Simulated community: 16 devices of 16 kinds');
    expect(output).toContain('16 simulated devices connected');
    expect(output).toMatch(/status {6}16 clients · \d+ valid messages/);
    expect(output).toContain(`Cloud (embedded database in ${join(dataDir, 'cloud')}): http://127.0.0.1:`);
    expect(output).toMatch(/cloud link online · \d+ in outbox/);
    expect(output).toMatch(/stopped: \d+ valid messages, \d+ invalid, [1-9]\d* events in the cloud/);
    expect(code).toBe(0);
  }, 30_000);

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
    expect(output).toContain('292 simulated devices connected');
    expect(output).toMatch(/status {6}292 clients · \d+ valid messages/);
    const file = join(dataDir, 'sim-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    expect(credentials.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(credentials.devices)).toContain('smoke-b3-u2-0401');
    expect(Object.keys(credentials.devices)).toHaveLength(16);
    expect(code).toBe(0);
  }, 90_000);
});
