import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinRuleFile } from '../rules/templates.js';
import { runCli, USAGE } from './main.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-rules-cli-'));
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
    env: {},
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const write = (name: string, text: string) => writeFile(join(dir, name), text);

const RULES = `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
    actions:
      - type: command
        target: { selector: { kinds: [gas_detector] }, same: room }
        command: { valve: close }
  - id: door.night
    name: { zh: 夜间门被强开, en: Door forced after hours }
    selector: { kinds: [access_control], building: '3' }
    condition: { type: event, event: door_forced }
    schedule: { periods: [{ from: '22:00', to: '06:00' }] }
    severity: major
    category: safety.access.door_forced
    message: { zh: '{device_id} 门被强行打开', en: 'Door forced at {device_id}' }
  - id: elderly.no_water
    name: { zh: 独居老人12小时未用水, en: No water use in 12 h }
    selector: { kinds: [water_meter], tags: [elderly_alone] }
    condition: { type: absence, event: reading, where: { interval_volume: { '>': 0 } }, within_s: 43200 }
    severity: major
    category: special_population.elderly_welfare
    message: { zh: '{device_id} 12小时未用水', en: 'No water use at {device_id} in 12 h' }
`;

const gas = { id: 'gas-b1-u1-0101', kind: 'gas_detector', place: { community: '320803001001', building: '1' } };
const record = (at: string, topic: string, payload: object, device: object = gas) =>
  JSON.stringify({ at, device, topic, payload });
const EVENTS = [
  record('2026-11-25T14:52:18.646Z', 'gridlink/gas-b1-u1-0101', { gas_lel: 0, valve: 'open' }),
  record('2026-11-25T14:52:21.646Z', 'gridlink/gas-b1-u1-0101/event/alarm', {
    ts: '2026-11-25T14:52:21.600Z',
    gas_lel: 25,
    gas_type: 'natural_gas',
  }),
  record('2026-11-25T15:10:00.000Z', 'gridlink/gas-b1-u1-0101/event/alarm_cleared', {
    ts: '2026-11-25T15:10:00.000Z',
    gas_lel: 3,
  }),
  '',
].join('\n');

describe('gridlink-gateway rules check', () => {
  it('says how many rules are OK and what each one does', async () => {
    await write('rules.yaml', RULES);
    expect(await cli(['rules', 'check', 'rules.yaml'])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '3 rules OK',
        'gas.lel           gas_detector  gas_lel >= 20 (clears < 10) → critical emergency.gas_leak; action: command {valve: close} to gas_detector in the same room',
        'door.night        access_control building=3  event door_forced, clears after 5 min quiet → major safety.access.door_forced; active 22:00–06:00',
        'elderly.no_water  water_meter tags=elderly_alone  no event reading where interval_volume > 0 for 12 h → major special_population.elderly_welfare',
        '',
      ].join('\n'),
    });
  });

  it('lists every error with file, line and column and exits 1', async () => {
    await write(
      'rules.yaml',
      RULES.replace('value: 20, clear', 'value: high, clear')
        .replace('event: door_forced }', 'event: door_kicked }')
        .replace('severity: major\n    category: special', 'severity: urgent\n    category: special'),
    );
    const run = await cli(['rules', 'check', 'rules.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      'gridlink-gateway: rules.yaml: rule file invalid (3 errors)',
      'rules.yaml:6:68: rules.0.condition.value: expected number, received string "high"',
      'rules.yaml:17:38: rules.1.condition.event: "door_kicked" is not an event of access_control (events: access, door_forced, door_held_open)',
      'rules.yaml:26:15: rules.2.severity: expected one of "info", "warning", "minor", "major", "critical", received string "urgent"',
      '',
    ]);
  });

  it('reports a missing file and exits 1', async () => {
    expect(await cli(['rules', 'check', 'nope.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridlink-gateway: cannot read nope.yaml (no such file)\n',
    });
  });
});

describe('gridlink-gateway rules test', () => {
  it('replays recorded messages and prints each alert raised and cleared with its simulated time', async () => {
    await write('rules.yaml', RULES);
    await write('recorded.jsonl', EVENTS);
    expect(await cli(['rules', 'test', 'rules.yaml', '--events', 'recorded.jsonl'])).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '2026-11-25T14:52:21.646Z  raised   gas.lel  gas-b1-u1-0101  critical  燃气浓度 25 %LEL',
        '2026-11-25T15:10:00.000Z  cleared  gas.lel  gas-b1-u1-0101  critical  燃气浓度 3 %LEL',
        '3 records replayed to 2026-11-25T15:10:00.000Z: 1 raised, 1 cleared, 0 active at the end',
        '',
      ].join('\n'),
    });
  });

  it('reports an invalid record by line number, replays the others and exits 1', async () => {
    await write('rules.yaml', RULES);
    const lines = EVENTS.split('\n');
    lines.splice(
      1,
      0,
      record('2026-11-25T14:52:19.000Z', 'gridlink/gas-b1-u1-0101/event/alarm', {
        ts: '2026-11-25T14:52:19.000Z',
        gas_lel: 'high',
      }),
      '{"at":"2026-11-25T14:52:20.000Z","device":{"id":"gas-b1-u1-0101","kind":"gas_detector"},"topic":"gridlink/gas-b1-u1-0101"}',
    );
    await write('recorded.jsonl', lines.join('\n'));
    const run = await cli(['rules', 'test', 'rules.yaml', '--events', 'recorded.jsonl']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        'recorded.jsonl:2: gridlink/gas-b1-u1-0101/event/alarm: gas_lel: expected number, received string "high"',
        'recorded.jsonl:3: payload: expected record, received nothing',
        'gridlink-gateway: 2 lines of recorded.jsonl not replayed (above)',
        '',
      ].join('\n'),
    );
    expect(run.stdout.split('\n')[0]).toBe(
      '2026-11-25T14:52:21.646Z  raised   gas.lel  gas-b1-u1-0101  critical  燃气浓度 25 %LEL',
    );
  });

  it('runs simulated time on to --until, so absences fire in the gap', async () => {
    await write('rules.yaml', RULES);
    const meter = { id: 'wm-b3-u2-0401', kind: 'water_meter', tags: ['elderly_alone'] };
    await write(
      'recorded.jsonl',
      record(
        '2026-11-25T00:00:00.000Z',
        'gridlink/wm-b3-u2-0401/event/reading',
        { ts: '2026-11-25T00:00:00.000Z', total_volume: 1000, interval_volume: 5, interval_s: 3600 },
        meter,
      ),
    );
    const argv = ['rules', 'test', 'rules.yaml', '--events', 'recorded.jsonl', '--until', '2026-11-26T00:00:00.000Z'];
    expect(await cli(argv)).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '2026-11-25T12:00:00.000Z  raised  elderly.no_water  wm-b3-u2-0401  major  wm-b3-u2-0401 12小时未用水',
        '1 record replayed to 2026-11-26T00:00:00.000Z: 1 raised, 0 cleared, 1 active at the end',
        '',
      ].join('\n'),
    });
  });

  it('refuses a bad --until or --time-zone, and needs --events: exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['rules', 'test', 'r.yaml', '--events', 'e.jsonl', '--until', 'tomorrow'], '--until is an ISO-8601 UTC time'],
      [['rules', 'test', 'r.yaml', '--events', 'e.jsonl', '--time-zone', 'Mars/Olympus'], '--time-zone is an IANA'],
      [['rules', 'test', 'r.yaml'], 'rules test needs --events'],
      [['rules', 'chek', 'r.yaml'], 'unknown command "rules chek" (did you mean "rules check"?)'],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0], argv.join(' ')).toContain(message);
    }
  });
});

describe('gridlink-gateway rules template', () => {
  it('prints the built-in rule file, which rules check accepts', async () => {
    const run = await cli(['rules', 'template']);
    expect(run).toEqual({ code: 0, stdout: builtinRuleFile(), stderr: '' });
    await write('builtin.yaml', run.stdout);
    const check = await cli(['rules', 'check', 'builtin.yaml']);
    expect(check.code).toBe(0);
    expect(check.stdout.split('\n')[0]).toBe('23 rules OK');
  });

  it('writes it to --out, never over an existing file', async () => {
    expect(await cli(['rules', 'template', '--out', 'rules.yaml'])).toEqual({
      code: 0,
      stdout: 'wrote 23 built-in rules to rules.yaml\n',
      stderr: '',
    });
    expect(await readFile(join(dir, 'rules.yaml'), 'utf8')).toBe(builtinRuleFile());
    expect(await cli(['rules', 'template', '--out', 'rules.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridlink-gateway: rules.yaml already exists; a rule file is never written over: choose another --out\n',
    });
  });

  it('is in the usage', () => {
    expect(USAGE).toContain('rules check <file>');
    expect(USAGE).toContain('rules test <file> --events <recorded.jsonl>');
    expect(USAGE).toContain('rules template [--out <file>]');
  });
});
