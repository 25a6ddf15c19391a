import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../registry/registry.js';
import { runCli } from './main.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-cli-integrator-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: { USER: 'li' },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

function inRegistry<T>(use: (registry: DeviceRegistry) => T): T {
  const registry = DeviceRegistry.open(join(dir, 'data', 'registry.db'));
  try {
    return use(registry);
  } finally {
    registry.close();
  }
}

describe('gridlink-gateway service accounts for integrators', () => {
  beforeEach(async () => {
    for (const [id, kind] of [
      ['wm-1', 'water_meter'],
      ['wm-2', 'water_meter'],
      ['th-ext-1', 'temp_humidity'],
    ])
      expect((await cli(['device', 'add', '--id', id as string, '--kind', kind as string])).code).toBe(0);
  });

  it('adds an integrator with its grants, changes them with grant and revoke, and lists them; each change audited', async () => {
    const added = await cli([
      ...['service', 'add', '--username', 'nodered', '--role', 'integrator'],
      ...['--command-devices', 'wm-1', '--command-kinds', 'temp_humidity', '--ingest-devices', 'th-ext-1'],
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(
      'grants: command devices: wm-1; command kinds: temp_humidity; ingest devices: th-ext-1\n',
    );
    expect(added.stdout).toMatch(/^password: \S+$/m);

    expect(await cli(['service', 'grant', 'nodered', '--command-devices', 'wm-2,wm-1'])).toEqual({
      code: 0,
      stdout: 'nodered now holds command devices: wm-1, wm-2; command kinds: temp_humidity; ingest devices: th-ext-1\n',
      stderr: '',
    });
    expect((await cli(['service', 'revoke', 'nodered', '--command-kinds', 'temp_humidity'])).stdout).toBe(
      'nodered now holds command devices: wm-1, wm-2; command kinds: (none); ingest devices: th-ext-1\n',
    );
    const listed = await cli(['service', 'list']);
    expect(listed.stdout).toMatch(/nodered\s+integrator\s+\S+\s+command devices: wm-1, wm-2;/);

    const audit = inRegistry((registry) => registry.auditLog().reverse());
    expect(
      audit.map((entry) => `${entry.username} ${entry.role} ${entry.address} ${entry.action} ${entry.target}`),
    ).toEqual([
      'cli:li cli local service.add nodered',
      'cli:li cli local service.grant nodered',
      'cli:li cli local service.revoke nodered',
    ]);
  });

  it('refuses grants naming a device or kind that does not exist, naming the field and the fix', async () => {
    const run = await cli([
      ...['service', 'add', '--username', 'nodered', '--role', 'integrator'],
      ...['--command-devices', 'wm-9', '--command-kinds', 'watermeter'],
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^gridlink-gateway: invalid grants\n {2}command-devices: no device wm-9 in the registry; register it first \(device add\), or check the id \(device list\)\n {2}command-kinds: "watermeter" is not a device kind; the kinds are .*water_meter/,
    );
    expect(inRegistry((registry) => registry.service('nodered'))).toBeUndefined();

    expect(
      (await cli(['service', 'add', '--username', 'viewer', '--role', 'observer', '--command-devices', 'wm-1'])).stderr,
    ).toBe(
      'gridlink-gateway: only an integrator takes grants; viewer would be observer: use --role integrator, or drop the grants\n',
    );
    const usage = await cli(['service', 'grant']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('service grant needs <username>');
  });
});
