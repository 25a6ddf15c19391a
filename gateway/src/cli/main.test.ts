import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyPassword } from '../credentials/password.js';
import { parseCsv } from '../registry/csv.js';
import { DeviceRegistry } from '../registry/registry.js';
import { runCli, USAGE } from './main.js';
import { displayWidth, formatTable } from './table.js';

// `start` hands the configuration to run.ts, which another module owns: stand in for it here.
const gateway = vi.hoisted(() => ({
  start: vi.fn(),
  stop: vi.fn(async () => {}),
}));
vi.mock('../run.js', () => ({ startGatewayFromConfig: gateway.start }));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-cli-'));
  gateway.start.mockReset();
  gateway.stop.mockClear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    cwd: dir,
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}

const CONFIG = 'gateway:\n  id: gw-320803-001\n  community: "320803001001"\n  data_dir: ./state\n';

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function passwordOf(run: Run): string {
  const match = /^password: (\S+)$/m.exec(run.stdout);
  if (!match?.[1]) throw new Error(`no password in:\n${run.stdout}`);
  return match[1];
}

function withRegistry<T>(path: string, use: (registry: DeviceRegistry) => T): T {
  const registry = DeviceRegistry.open(path);
  try {
    return use(registry);
  } finally {
    registry.close();
  }
}

describe('gridlink-gateway: usage', () => {
  it('prints the usage and exits 2 without a command', async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`gridlink-gateway: no command given\n\n${USAGE}`);
  });

  it('prints the usage on stdout for --help, exit 0', async () => {
    expect(await cli(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect((await cli(['device', 'add', '-h'])).code).toBe(0);
  });

  it('refuses unknown commands and options, options of another command, missing arguments: exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['device', 'lsit'], 'unknown command "device lsit" (did you mean "device list"?)'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['device', 'list', '--colour', 'red'], "Unknown option '--colour'"],
      [['device', 'list', '--id', 'x'], 'device list does not take --id'],
      [['device', 'add', '--id', 'smoke-1'], 'device add needs --kind'],
      [['service', 'add'], 'service add needs --username and --role'],
      [['device', 'retire'], 'device retire needs <id>'],
      [['device', 'retire', 'a', 'b'], 'unexpected argument "b" after device retire'],
      [['check-config'], 'check-config needs <file>'],
      [['start'], 'start needs --config'],
      [
        ['service', 'add', '--username', 'nodered', '--role', 'admin'],
        '--role is observer, installer or integrator, not "admin"',
      ],
      [['device', 'list', '--status', 'gone'], '--status is active or retired, not "gone"'],
      [['device', 'tag', 'wm-1'], 'device tag needs <id> <tag>...'],
      [['device', 'untag'], 'device untag needs <id> <tag>...'],
      [['device', 'list', '--tag', 'a', '--tag', 'b'], 'device list takes one --tag, not 2'],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0], argv.join(' ')).toContain(`gridlink-gateway: ${message}`);
      expect(run.stderr).toContain('Usage: gridlink-gateway');
    }
  });
});

describe('gridlink-gateway check-config', () => {
  it('says configuration OK for a valid file', async () => {
    const file = await write('gateway.yaml', CONFIG);
    expect(await cli(['check-config', file])).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('lists every error of a bad file and exits 1, without a stack trace', async () => {
    const file = await write(
      'gateway.yaml',
      'gateway:\n  id: gw-1\n  community: "3208"\nmqtt:\n  port: 70000\n  prot: 1\nlog:\n  level: loud\n',
    );
    const run = await cli(['check-config', 'gateway.yaml'], { GRIDLINK_HTTP__PORT: '-1' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      'gridlink-gateway: gateway.yaml: configuration invalid (5 errors)',
      'gateway.community: a community code is 12 digits (received string "3208")',
      'mqtt.port: expected integer <= 65535, received number 70000',
      'mqtt.prot: unknown field (did you mean port?)',
      'http.port: expected integer >= 0, received number -1 (from GRIDLINK_HTTP__PORT)',
      'log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", received string "loud"',
      '',
    ]);
    expect(file).toBeTruthy();
  });

  it('reports a file that does not exist', async () => {
    const run = await cli(['check-config', 'missing.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'gridlink-gateway: missing.yaml: configuration invalid (1 error)\nmissing.yaml: cannot read the configuration file (no such file)\n',
    );
  });
});

describe('gridlink-gateway device add', () => {
  it('registers a device and prints its password once, saying it will not be shown again', async () => {
    const run = await cli([
      'device',
      'add',
      '--registry',
      'reg.db',
      '--id',
      'smoke-b3-u2-0401',
      '--kind',
      'smoke_detector',
      '--community',
      '320803001001',
      '--building',
      '3号楼',
      '--floor',
      '-1',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`added device smoke-b3-u2-0401 (smoke_detector) to ${join(dir, 'reg.db')}`);
    expect(lines[1]).toMatch(/^password: [A-Za-z0-9_-]{24}$/);
    expect(lines[2]).toBe(
      'This password will not be shown again: load it onto the device now (only its hash is stored).',
    );
    const record = withRegistry(join(dir, 'reg.db'), (r) => r.device('smoke-b3-u2-0401'));
    expect(record?.place).toEqual({ community: '320803001001', building: '3号楼', floor: -1 });
    expect(await verifyPassword(passwordOf(run), record?.passwordHash ?? '')).toBe(true);
  });

  it('uses ./data/registry.db by default, and <data_dir>/registry.db plus its community with --config', async () => {
    expect((await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector'])).code).toBe(0);
    expect(existsSync(join(dir, 'data', 'registry.db'))).toBe(true);

    await write('gateway.yaml', CONFIG);
    const run = await cli([
      'device',
      'add',
      '--config',
      'gateway.yaml',
      '--id',
      'gas-2',
      '--kind',
      'gas_detector',
      '--room',
      '101',
    ]);
    expect(run.code).toBe(0);
    const device = withRegistry(join(dir, 'state', 'registry.db'), (r) => r.get('gas-2'));
    expect(device?.place).toEqual({ community: '320803001001', room: '101' });
  });

  it('refuses bad input naming every field, exit 1 and no stack trace', async () => {
    const run = await cli(['device', 'add', '--id', 'Gas 1', '--kind', 'toaster', '--floor', '3F']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('gridlink-gateway: invalid device Gas 1');
    expect(lines[1]).toBe(
      '  id: a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit (received string "Gas 1")',
    );
    expect(lines[2]).toMatch(/^ {2}kind: expected one of "smoke_detector", .*, received string "toaster"$/);
    expect(lines[3]).toBe('  floor: expected integer, received string "3F"');
    expect(lines).toHaveLength(4);
  });

  it('refuses a duplicate id', async () => {
    await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector']);
    const run = await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'gridlink-gateway: device gas-1 already exists\n' });
  });

  it('refuses an invalid --config before touching the registry', async () => {
    await write('gateway.yaml', 'gateway:\n  id: gw-1\n');
    const run = await cli(['device', 'add', '--config', 'gateway.yaml', '--id', 'gas-1', '--kind', 'gas_detector']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'gridlink-gateway: gateway.yaml: configuration invalid (1 error)\ngateway.community: missing (expected string)\n',
    );
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('gridlink-gateway device list', () => {
  beforeEach(async () => {
    await cli([
      'device',
      'add',
      '--id',
      'smoke-2',
      '--kind',
      'smoke_detector',
      '--community',
      '320803001001',
      '--building',
      '3号楼',
    ]);
    await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector', '--notes', 'boiler room']);
    await cli(['device', 'retire', 'smoke-2', '--reason', 'burnt']);
  });

  it('prints an aligned table, without password hashes', async () => {
    const run = await cli(['device', 'list']);
    expect(run.code).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(run.stdout.replaceAll(today, 'YYYY-MM-DD')).toBe(
      [
        'ID       KIND            STATUS   COMMUNITY     GRID  BUILDING  UNIT  FLOOR  ROOM  CREATED     REPLACED BY  TAGS  NOTES',
        'gas-1    gas_detector    active   -             -     -         -     -      -     YYYY-MM-DD  -            -     boiler room',
        'smoke-2  smoke_detector  retired  320803001001  -     3号楼     -     -      -     YYYY-MM-DD  -            -     -',
        '',
      ].join('\n'),
    );
    expect(run.stdout).not.toContain('scrypt');
  });

  it('filters by status and kind, and prints JSON with --json', async () => {
    expect((await cli(['device', 'list', '--status', 'active'])).stdout).not.toContain('smoke-2');
    const json = await cli(['device', 'list', '--json', '--kind', 'smoke_detector']);
    const devices = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(devices).toEqual([
      expect.objectContaining({ id: 'smoke-2', status: 'retired', retiredReason: 'burnt', place: expect.any(Object) }),
    ]);
    expect(json.stdout).not.toContain('scrypt');
    expect(json.stdout).not.toContain('passwordHash');
    expect((await cli(['device', 'list', '--kind', 'smoke-detector'])).stderr).toMatch(
      /^gridlink-gateway: unknown device kind "smoke-detector" \(did you mean smoke_detector\?\); the kinds are /,
    );
  });

  it('says so when nothing matches', async () => {
    expect((await cli(['device', 'list', '--kind', 'elevator'])).stdout).toBe('no devices\n');
  });
});

describe('gridlink-gateway device import', () => {
  const CSV = 'id,kind,building,notes\r\nsmoke-1,smoke_detector,3号楼,"厨房, 吊顶"\r\ngas-1,gas_detector,3号楼,\r\n';

  it('imports a CSV and prints id,password as CSV on stdout (the summary on stderr)', async () => {
    await write('gateway.yaml', CONFIG);
    await write('devices.csv', CSV);
    const run = await cli(['device', 'import', 'devices.csv', '--config', 'gateway.yaml']);
    expect(run.code).toBe(0);
    const rows = parseCsv(run.stdout).map((r) => r.fields);
    expect(rows.map((r) => r[0])).toEqual(['id', 'smoke-1', 'gas-1']);
    expect(run.stderr).toBe(
      `imported 2 devices into ${join(dir, 'state', 'registry.db')}; their passwords (above, as id,password) will not be shown again\n`,
    );
    const hashes = withRegistry(join(dir, 'state', 'registry.db'), (r) => ({
      smoke: r.device('smoke-1')?.passwordHash ?? '',
      community: r.get('gas-1')?.place?.community,
    }));
    expect(await verifyPassword(rows[1]?.[1] ?? '', hashes.smoke)).toBe(true);
    expect(hashes.community).toBe('320803001001');
  });

  it('writes the credentials to --out with mode 0600, and never over an existing file', async () => {
    await write('devices.csv', CSV);
    const run = await cli(['device', 'import', 'devices.csv', '--out', 'creds.csv', '--community', '320803001001']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('their passwords are in creds.csv (mode 0600) and will not be shown again');
    expect((await stat(join(dir, 'creds.csv'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'creds.csv'), 'utf8')).split('\r\n')[0]).toBe('id,password');

    await write('more.csv', 'id,kind\nleak-1,water_leak\n');
    const again = await cli(['device', 'import', 'more.csv', '--out', 'creds.csv']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'gridlink-gateway: creds.csv already exists; credentials are never written over an existing file: choose another --out\n',
    );
    expect(withRegistry(join(dir, 'data', 'registry.db'), (r) => r.get('leak-1'))).toBeUndefined();
  });

  it('imports nothing from a CSV with bad rows, lists every one and leaves no --out file', async () => {
    await write('devices.csv', 'id,kind,colour\nsmoke-1,smoke_detector,red\n');
    const header = await cli(['device', 'import', 'devices.csv', '--out', 'creds.csv']);
    expect(header.code).toBe(1);
    expect(header.stderr).toBe(
      'gridlink-gateway: CSV import refused; nothing was imported\n' +
        '  line 1: unknown column "colour"; the columns are id, kind, community, grid, building, unit, floor, room, notes, tags\n',
    );
    expect(existsSync(join(dir, 'creds.csv'))).toBe(false);

    await write(
      'rows.csv',
      'id,kind,floor\nsmoke-1,smoke_detector,1\nsmoke-2,smoke_detector,high\nsmoke-1,smoke_detector,2\n',
    );
    const rows = await cli(['device', 'import', 'rows.csv', '--community', '320803001001']);
    expect(rows.code).toBe(1);
    expect(rows.stdout).toBe('');
    expect(rows.stderr).toBe(
      'gridlink-gateway: CSV import refused: 2 of 3 rows are invalid; nothing was imported\n' +
        '  line 3: floor: expected integer, received string "high"\n' +
        '  line 4: id: smoke-1 is also on line 2\n',
    );
    expect(withRegistry(join(dir, 'data', 'registry.db'), (r) => r.list())).toEqual([]);
  });

  it('reports a CSV file that cannot be read', async () => {
    expect(await cli(['device', 'import', 'nope.csv'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridlink-gateway: cannot read nope.csv (no such file)\n',
    });
  });
});

describe('gridlink-gateway device retire, replace, rotate-password and service add', () => {
  const registry = () => join(dir, 'data', 'registry.db');

  it('retires a device for good', async () => {
    await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector']);
    const run = await cli(['device', 'retire', 'gas-1', '--reason', 'sensor drift']);
    expect(run).toEqual({
      code: 0,
      stdout: 'retired device gas-1 (sensor drift); it can never connect again and its id is never reused\n',
      stderr: '',
    });
    expect(withRegistry(registry(), (r) => r.device('gas-1')?.status)).toBe('retired');
    expect((await cli(['device', 'retire', 'gas-1'])).code).toBe(1);
    expect((await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector'])).code).toBe(1);
    expect(await cli(['device', 'retire', 'nobody'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridlink-gateway: no device nobody in the registry\n',
    });
  });

  it('replaces a device, printing the new password once', async () => {
    await cli([
      'device',
      'add',
      '--id',
      'smoke-1',
      '--kind',
      'smoke_detector',
      '--community',
      '320803001001',
      '--room',
      '401',
    ]);
    const run = await cli(['device', 'replace', 'smoke-1', '--id', 'smoke-1b', '--notes', 'after the fire drill']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('retired device smoke-1 (replaced by smoke-1b)\n');
    expect(run.stdout).toContain('will not be shown again');
    const state = withRegistry(registry(), (r) => ({ old: r.get('smoke-1'), next: r.device('smoke-1b') }));
    expect(state.old).toMatchObject({ status: 'retired', replacedBy: 'smoke-1b' });
    expect(state.next?.place).toEqual({ community: '320803001001', room: '401' });
    expect(await verifyPassword(passwordOf(run), state.next?.passwordHash ?? '')).toBe(true);
  });

  it('rotates a device password', async () => {
    const added = await cli(['device', 'add', '--id', 'gas-1', '--kind', 'gas_detector']);
    const run = await cli(['device', 'rotate-password', 'gas-1']);
    expect(run.code).toBe(0);
    const hash = withRegistry(registry(), (r) => r.device('gas-1')?.passwordHash ?? '');
    expect(await verifyPassword(passwordOf(run), hash)).toBe(true);
    expect(await verifyPassword(passwordOf(added), hash)).toBe(false);
  });

  it('adds a service account and prints its password once', async () => {
    const run = await cli(['service', 'add', '--username', 'nodered', '--role', 'observer']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('added service account nodered (observer)');
    expect(run.stdout).toContain('This password will not be shown again');
    const account = withRegistry(registry(), (r) => r.service('nodered'));
    expect(await verifyPassword(passwordOf(run), account?.passwordHash ?? '')).toBe(true);
  });
});

describe('gridlink-gateway device tags', () => {
  const registry = () => join(dir, 'data', 'registry.db');

  it('registers a device with --tag (repeatable), tags and untags it, and lists by tag', async () => {
    const added = await cli([
      'device',
      'add',
      '--id',
      'wm-b1-u1-0302',
      '--kind',
      'water_meter',
      '--community',
      '320803001001',
      '--tag',
      'elderly_alone',
      '--tag',
      'ground_floor',
    ]);
    expect(added.code).toBe(0);
    expect(withRegistry(registry(), (r) => r.device('wm-b1-u1-0302')?.tags)).toEqual(['elderly_alone', 'ground_floor']);
    await cli(['device', 'add', '--id', 'dc-b1-u1-0302', '--kind', 'door_contact']);

    expect(await cli(['device', 'tag', 'dc-b1-u1-0302', 'elderly_alone', 'front_door'])).toEqual({
      code: 0,
      stdout:
        'device dc-b1-u1-0302 tags: elderly_alone, front_door\n' +
        'A running gateway applies them when the device next connects.\n',
      stderr: '',
    });
    expect((await cli(['device', 'untag', 'wm-b1-u1-0302', 'ground_floor'])).stdout).toContain(
      'device wm-b1-u1-0302 tags: elderly_alone\n',
    );

    const listed = await cli(['device', 'list', '--tag', 'elderly_alone']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID +KIND .* TAGS +NOTES\n/);
    expect(listed.stdout).toMatch(/\ndc-b1-u1-0302 +door_contact .* elderly_alone,front_door +-\n/);
    expect(listed.stdout).toMatch(/\nwm-b1-u1-0302 +water_meter .* elderly_alone +-\n/);
    const json = JSON.parse((await cli(['device', 'list', '--tag', 'front_door', '--json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ id: 'dc-b1-u1-0302', tags: ['elderly_alone', 'front_door'] })]);
  });

  it('refuses bad tags, a tag the device lacks and a retired device: exit 1 with the reason', async () => {
    await cli(['device', 'add', '--id', 'wm-1', '--kind', 'water_meter', '--tag', 'elderly_alone']);
    expect(await cli(['device', 'tag', 'wm-1', 'Elderly'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'gridlink-gateway: invalid tags for device wm-1\n' +
        '  tags: a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone) (received string "Elderly")\n',
    });
    expect((await cli(['device', 'untag', 'wm-1', 'elderly_alon'])).stderr).toBe(
      'gridlink-gateway: device wm-1 has no tag elderly_alon; its tags are elderly_alone\n',
    );
    const bad = await cli(['device', 'add', '--id', 'wm-2', '--kind', 'water_meter', '--tag', 'a b']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('  tags: a tag is 1-32 of a-z');
    await cli(['device', 'retire', 'wm-1']);
    expect((await cli(['device', 'tag', 'wm-1', 'x'])).stderr).toMatch(
      /^gridlink-gateway: device wm-1 was retired on /,
    );
    expect(withRegistry(registry(), (r) => r.get('wm-1')?.tags)).toEqual(['elderly_alone']);
  });

  it('keeps the tags across replace, or takes the ones given', async () => {
    await cli(['device', 'add', '--id', 'wm-1', '--kind', 'water_meter', '--tag', 'elderly_alone']);
    expect((await cli(['device', 'replace', 'wm-1', '--id', 'wm-1b'])).code).toBe(0);
    expect((await cli(['device', 'replace', 'wm-1b', '--id', 'wm-1c', '--tag', 'shared_meter'])).code).toBe(0);
    expect(withRegistry(registry(), (r) => [r.get('wm-1b')?.tags, r.get('wm-1c')?.tags])).toEqual([
      ['elderly_alone'],
      ['shared_meter'],
    ]);
  });
});

describe('gridlink-gateway start', () => {
  it('starts the gateway from the frozen configuration and stops it on the signal', async () => {
    await write('gateway.yaml', CONFIG);
    gateway.start.mockResolvedValue({ stop: gateway.stop });
    const controller = new AbortController();
    const running = cli(['start', '--config', 'gateway.yaml'], { GRIDLINK_MQTT__PORT: '1999' }, controller.signal);
    await vi.waitFor(() => expect(gateway.start).toHaveBeenCalledOnce());
    const [config, logger] = gateway.start.mock.calls[0] as [
      { mqtt: { port: number } },
      { info: unknown; level: string },
    ];
    expect(config.mqtt.port).toBe(1999);
    expect(Object.isFrozen(config)).toBe(true);
    expect(logger.level).toBe('info');
    expect(gateway.stop).not.toHaveBeenCalled();
    controller.abort();
    expect((await running).code).toBe(0);
    expect(gateway.stop).toHaveBeenCalledOnce();
  });

  it('exits 1 with the reason when the gateway does not start, or the configuration is invalid', async () => {
    await write('gateway.yaml', CONFIG);
    gateway.start.mockRejectedValue(new Error('port 1883 is taken'));
    const failed = await cli(['start', '--config', 'gateway.yaml'], {}, new AbortController().signal);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe('gridlink-gateway: the gateway did not start: port 1883 is taken\n');

    await mkdir(join(dir, 'bad'));
    await write('bad/gateway.yaml', 'gateway: {}\n');
    const invalid = await cli(['start', '--config', 'bad/gateway.yaml']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.split('\n')[0]).toBe('gridlink-gateway: bad/gateway.yaml: configuration invalid (2 errors)');
  });
});

describe('formatTable', () => {
  it('aligns columns by terminal width, Chinese characters counting two', () => {
    expect(displayWidth('3号楼')).toBe(5);
    expect(
      formatTable(
        ['A', 'B', 'C'],
        [
          ['3号楼', 'x', 'last'],
          ['b', '东单元', ''],
        ],
      ),
    ).toBe('A      B       C\n3号楼  x       last\nb      东单元\n');
  });
});
