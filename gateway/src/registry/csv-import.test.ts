import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../credentials/password.js';
import { parseCsv } from './csv.js';
import { credentialsCsv, formatCsvIssue, importDevicesCsv, previewDevicesCsv } from './csv-import.js';
import { DeviceRegistry, RegistryError } from './registry.js';

let dir: string;
let registry: DeviceRegistry;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlink-import-'));
  registry = DeviceRegistry.open(join(dir, 'registry.db'), { now: () => new Date('2026-11-25T09:00:00.000Z') });
});
afterEach(async () => {
  registry.close();
  await rm(dir, { recursive: true, force: true });
});

async function refusal(csv: string, options = {}): Promise<RegistryError> {
  try {
    await importDevicesCsv(registry, csv, options);
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected the import to be refused');
}

describe('importDevicesCsv', () => {
  it('imports every row and returns each device its own password, once', async () => {
    const csv = [
      'id,kind,community,grid,building,unit,floor,room,notes',
      'smoke-b3-u2-0401,smoke_detector,320803001001,320803001001003,3,2,4,401,kitchen ceiling',
      'gas-b3-u2-0401,gas_detector,320803001001,,3,2,4,401,',
      'cover-n-gate,manhole_cover,320803001001,,,,,,north gate',
      '',
    ].join('\r\n');
    const issued = await importDevicesCsv(registry, csv);
    expect(issued.map((i) => i.device.id)).toEqual(['smoke-b3-u2-0401', 'gas-b3-u2-0401', 'cover-n-gate']);
    for (const { device, password } of issued) {
      expect(await verifyPassword(password, registry.device(device.id)?.passwordHash ?? '')).toBe(true);
    }
    expect(registry.get('smoke-b3-u2-0401')).toMatchObject({
      place: { community: '320803001001', grid: '320803001001003', building: '3', unit: '2', floor: 4, room: '401' },
      notes: 'kitchen ceiling',
    });
    expect(registry.get('gas-b3-u2-0401')).not.toHaveProperty('notes');
    expect(registry.get('cover-n-gate')?.place).toEqual({ community: '320803001001' });
  });

  it('takes the columns in any order, quoted fields with commas, quotes and Chinese text, and a BOM', async () => {
    const csv =
      '\uFEFFnotes,Kind,ID,community,building,room\n' +
      '"厨房吊顶, 靠近""燃气表""",smoke_detector,smoke-1,320803001001,"3号楼",401\n';
    await importDevicesCsv(registry, csv);
    expect(registry.get('smoke-1')).toMatchObject({
      kind: 'smoke_detector',
      notes: '厨房吊顶, 靠近"燃气表"',
      place: { community: '320803001001', building: '3号楼', room: '401' },
    });
  });

  it('fills an empty community from the default (the gateway’s own)', async () => {
    await importDevicesCsv(registry, 'id,kind,building\nleak-1,water_leak,7\n', { defaultCommunity: '320803001001' });
    expect(registry.get('leak-1')?.place).toEqual({ community: '320803001001', building: '7' });
  });

  it('imports nothing when any row is bad, and lists every bad row with line and field', async () => {
    await registry.addDevice({ id: 'smoke-old', kind: 'smoke_detector' });
    registry.retire('smoke-old');
    await registry.addDevice({ id: 'gas-live', kind: 'gas_detector' });
    const csv = [
      'id,kind,community,floor,notes',
      'smoke-1,smoke_detector,320803001001,4,ok',
      'Smoke 2,smoke_detecter,320803001001,3F,two problems on one row',
      'smoke-3,smoke_detector,3208,4,bad community',
      'smoke-1,smoke_detector,320803001001,5,same id as line 2',
      'smoke-old,smoke_detector,320803001001,1,retired id',
      'gas-live,gas_detector,320803001001,1,already registered',
      'smoke-4,smoke_detector,320803001001',
      'smoke-5,smoke_detector,320803001001,2,"fine, too"',
    ].join('\n');
    const error = await refusal(csv);
    expect(error.summary).toBe('CSV import refused: 6 of 8 rows are invalid; nothing was imported');
    expect(error.issues).toEqual([
      'line 3: id: a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit (received string "Smoke 2")',
      expect.stringMatching(
        /^line 3: kind: expected one of "smoke_detector", .*, received string "smoke_detecter" \(did you mean "smoke_detector"\?\)$/,
      ),
      'line 3: floor: expected integer, received string "3F"',
      'line 4: community: a community code is 12 digits (received string "3208")',
      'line 5: id: smoke-1 is also on line 2',
      'line 6: id: device smoke-old was retired on 2026-11-25T09:00:00.000Z; a retired id is never reused: choose a new id',
      'line 7: id: device gas-live already exists',
      'line 8: expected 5 fields (as in the header), found 3',
    ]);
    expect(registry.list().map((d) => d.id)).toEqual(['gas-live', 'smoke-old']);
  });

  it('takes an optional tags column, ";"-separated, stored distinct and sorted', async () => {
    const csv = [
      'id,kind,community,tags',
      'wm-b1-u1-0302,water_meter,320803001001,elderly_alone',
      'dc-b1-u1-0302,door_contact,320803001001," pump_room ; elderly_alone;elderly_alone"',
      'wm-b1-u1-0303,water_meter,320803001001,',
    ].join('\n');
    await importDevicesCsv(registry, csv);
    expect(registry.get('wm-b1-u1-0302')?.tags).toEqual(['elderly_alone']);
    expect(registry.get('dc-b1-u1-0302')?.tags).toEqual(['elderly_alone', 'pump_room']);
    expect(registry.get('wm-b1-u1-0303')?.tags).toEqual([]);
    expect(registry.list({ tag: 'elderly_alone' }).map((d) => d.id)).toEqual(['dc-b1-u1-0302', 'wm-b1-u1-0302']);
  });

  it('imports nothing when a tags cell is bad, naming the line, the tag and the fix', async () => {
    const seventeen = Array.from({ length: 17 }, (_, i) => `t${i}`).join(';');
    const csv = [
      'id,kind,tags',
      'wm-1,water_meter,elderly_alone',
      'wm-2,water_meter,Elderly Alone',
      'wm-3,water_meter,elderly_alone;;pump_room',
      'wm-4,water_meter,elderly_alone;',
      `wm-5,water_meter,${seventeen}`,
      'wm-6,water_meter,"elderly_alone,pump_room"',
      'wm-7,water_meter,-x;ok',
      'wm-8,water_meter,pump-room;1st_floor',
    ].join('\n');
    const error = await refusal(csv);
    expect(error.summary).toBe('CSV import refused: 7 of 8 rows are invalid; nothing was imported');
    const rule = 'a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone)';
    expect(error.issues).toEqual([
      `line 3: tags: ${rule} (received string "Elderly Alone")`,
      'line 3: tags: separate tags by ";", not by commas or spaces, like elderly_alone;pump_room',
      'line 4: tags: an empty tag in "elderly_alone;;pump_room": separate tags by one ";" with none at either end, like elderly_alone;pump_room',
      'line 5: tags: an empty tag in "elderly_alone;": separate tags by one ";" with none at either end, like elderly_alone;pump_room',
      'line 6: tags: 17 different tags; a device has at most 16: remove some',
      `line 7: tags: ${rule} (received string "elderly_alone,pump_room")`,
      'line 7: tags: separate tags by ";", not by commas or spaces, like elderly_alone;pump_room',
      `line 8: tags: ${rule} (received string "-x")`,
      // Rule selectors could never name these: the registry stores only tags a rule can select.
      `line 9: tags: ${rule} (received string "pump-room")`,
      `line 9: tags: ${rule} (received string "1st_floor")`,
    ]);
    expect(registry.list()).toEqual([]);
  });

  it('refuses an unknown or repeated column, and a missing id or kind column, before reading rows', async () => {
    expect((await refusal('id,kind,colour,rooom\nsmoke-1,smoke_detector,red,1\n')).issues).toEqual([
      'line 1: unknown column "colour"; the columns are id, kind, community, grid, building, unit, floor, room, notes, tags',
      'line 1: unknown column "rooom" (did you mean room?); the columns are id, kind, community, grid, building, unit, floor, room, notes, tags',
    ]);
    expect((await refusal('id,id,community\nsmoke-1,smoke-1,320803001001\n')).issues).toEqual([
      'line 1: column "id" appears twice',
      'line 1: missing column "kind"',
    ]);
  });

  it('refuses an empty file, a header without rows and broken CSV syntax', async () => {
    expect((await refusal('')).issues).toEqual([
      'line 1: the file is empty; expected a header like id,kind,community,grid,building,unit,floor,room,notes,tags',
    ]);
    expect((await refusal('id,kind\r\n')).issues).toEqual(['line 2: no devices below the header']);
    expect((await refusal('id,kind,notes\nsmoke-1,smoke_detector,"open quote\n')).issues).toEqual([
      'line 2: a quoted field is never closed',
    ]);
    expect(registry.list()).toEqual([]);
  });
});

describe('credentialsCsv', () => {
  it('writes id,password lines an installer tool can read back', async () => {
    const issued = await importDevicesCsv(registry, 'id,kind\nsmoke-1,smoke_detector\ngas-1,gas_detector\n');
    const records = parseCsv(credentialsCsv(issued)).map((r) => r.fields);
    expect(records).toEqual([
      ['id', 'password'],
      ['smoke-1', issued[0]?.password],
      ['gas-1', issued[1]?.password],
    ]);
  });
});

describe('previewDevicesCsv', () => {
  /** A community's file: `rows` devices, every `badEvery`th with a kind no profile has. */
  const bigCsv = (rows: number, bad: Set<number>) =>
    [
      'id,kind,community,building,unit,floor,room,tags',
      ...Array.from({ length: rows }, (_, i) =>
        bad.has(i)
          ? `dev-${i},smoke_detectr,320803001001,3,2,${i % 30},${i},elderly_alone`
          : `dev-${i},smoke_detector,320803001001,3,2,${i % 30},${i},elderly_alone`,
      ),
    ].join('\r\n');

  it('reports all 30 errors of a 2,000-row file by line and column, and writes nothing', async () => {
    const bad = new Set(Array.from({ length: 30 }, (_, i) => i * 66 + 5));
    const csv = bigCsv(2000, bad);
    const preview = previewDevicesCsv(registry, csv);
    expect(preview).toMatchObject({ rows: 2000, badRows: 30, devices: [] });
    expect(preview.issues).toHaveLength(30);
    // The header is line 1: row i is on line i + 2.
    expect(preview.issues.map((issue) => issue.line)).toEqual([...bad].map((i) => i + 2));
    expect(preview.issues[0]).toMatchObject({ column: 'kind', code: 'invalid' });
    expect(preview.issues[0]?.message).toContain('smoke_detector');
    expect(registry.list()).toEqual([]);
    // Applying the same file refuses it whole, naming the same 30 lines.
    const refused = await refusal(csv);
    expect(refused.issues).toHaveLength(30);
    expect(refused.summary).toBe('CSV import refused: 30 of 2000 rows are invalid; nothing was imported');
    expect(registry.list()).toEqual([]);
  });

  it('lists what a clean file would add, without adding it', () => {
    const preview = previewDevicesCsv(registry, 'id,kind,building\nsmoke-1,smoke_detector,3\n', {
      defaultCommunity: '320803001001',
    });
    expect(preview.issues).toEqual([]);
    expect(preview.devices).toEqual([
      { id: 'smoke-1', kind: 'smoke_detector', building: '3', community: '320803001001' },
    ]);
    expect(registry.list()).toEqual([]);
  });

  it('codes each kind of problem: syntax, header, duplicate, taken, tags', async () => {
    await registry.addDevice({ id: 'smoke-1', kind: 'smoke_detector' });
    expect(previewDevicesCsv(registry, 'id,kind\n"smoke-2,smoke_detector\n').issues[0]).toMatchObject({
      line: 2,
      code: 'syntax',
    });
    expect(previewDevicesCsv(registry, 'id,knd\n').issues.map((issue) => issue.code)).toEqual(['header', 'header']);
    const issues = previewDevicesCsv(
      registry,
      'id,kind,tags\nsmoke-1,smoke_detector,\nsmoke-2,smoke_detector,\nsmoke-2,smoke_detector,\nsmoke-3,smoke_detector,a b\n',
    ).issues;
    expect(issues).toEqual([
      { line: 2, column: 'id', code: 'taken', message: 'device smoke-1 already exists' },
      { line: 4, column: 'id', code: 'duplicate', message: 'smoke-2 is also on line 3' },
      expect.objectContaining({ line: 5, column: 'tags', code: 'invalid' }),
      expect.objectContaining({ line: 5, column: 'tags', code: 'tags' }),
    ]);
    expect(issues.map(formatCsvIssue)[0]).toBe('line 2: id: device smoke-1 already exists');
  });
});
