import { beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { auditOf } from '../people/audit.js';
import { BACKENDS, manualClock, silentLogger, useMigratedDatabase } from '../test-support.js';
import { WorklogRefusal } from './errors.js';
import { maskPeople } from './mask.js';
import type { WorklogReach } from './reach.js';
import { pruneWorklog, WorklogRetention } from './retention.js';
import { NewEntry, SearchQuery } from './schemas.js';
import { PersonalDataSeal } from './seal.js';
import { entryTarget, WorklogStore } from './store.js';

const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID_A = `${COMMUNITY}001`;
const GRID_B = `${COMMUNITY}002`;
const HOUR = 3600_000;

const reach = (userId: string, fields: Partial<WorklogReach> = {}): WorklogReach => ({
  userId,
  ownGrids: [],
  territoryPrefixes: [],
  chiefGrids: [],
  ...fields,
});
const worker = reach('u-wang', { ownGrids: [GRID_A] });
const otherWorker = reach('u-li', { ownGrids: [GRID_B] });
const chiefOfA = reach('u-chief', { chiefGrids: [GRID_A] });
const streetOperator = reach('u-op', { territoryPrefixes: [STREET] });

const entry = (fields: Record<string, unknown>) =>
  NewEntry.parse({
    request_id: 'req-00000001',
    grid: GRID_A,
    visited_at: '2026-11-25T07:00:00Z',
    kind: 'household_visit',
    place: { building: '3', unit: '2', room: '501' },
    note: '独居老人张大爷，腿脚不便，需要定期上门',
    tags: ['独居老人'],
    ...fields,
  });
const search = (fields: Record<string, unknown> = {}) => SearchQuery.parse(fields);

describe.each(BACKENDS)('the work log store (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'work log database' });
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const seal = new PersonalDataSeal('test-secret-of-the-tenant-0123456789');
  let store: WorklogStore;

  beforeAll(async () => {
    store = new WorklogStore(db(), clock, seal);
    for (const [id, name] of [
      ['u-wang', '王网格'],
      ['u-li', '李网格'],
      ['u-chief', '赵网格长'],
      ['u-op', '钱受理'],
    ])
      await db().query(
        `INSERT INTO users (id, username, display_name, territory_code, password_hash, created_at)
         VALUES ($1, $1, $2, '320803', 'x', now())`,
        [id, name],
      );
    await db().query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
        ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
        ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '第一网格', NULL), ($4, 'grid', $2, '第二网格', NULL)`,
      [STREET, COMMUNITY, GRID_A, GRID_B],
    );
    await db().query(
      `INSERT INTO territory_buildings (community_code, building, unit, floors, households, grid_code) VALUES
        ($1, '3', '1', 6, 12, $2), ($1, '3', '2', 6, 12, $2), ($1, '7', '1', 18, 72, $3)`,
      [COMMUNITY, GRID_A, GRID_B],
    );
  });

  it('stores an entry once however often the phone sends it, who was met sealed and masked', async () => {
    const first = await store.create('u-wang', entry({ people_met: '张大爷 13812345678、女儿张丽' }));
    expect(first.created).toBe(true);
    expect(first.entry).toMatchObject({
      grid: { code: GRID_A, name: '第一网格' },
      author: { id: 'u-wang', name: '王网格' },
      kind_name: { zh: '入户走访', en: 'Household visit' },
      people_met_masked: '张** 138****5678、女***',
      version: 1,
    });
    const again = await store.create('u-wang', entry({ note: 'sent again with another text' }));
    expect(again).toMatchObject({ created: false, entry: { id: first.entry.id, note: first.entry.note } });
    // Another author may use the same request id: it is theirs.
    const other = await store.create('u-li', entry({ grid: GRID_B, place: { address: '河下古镇东门' } }));
    expect(other.created).toBe(true);

    const { rows } = await db().query<Record<string, unknown>>('SELECT * FROM worklog_entries WHERE id = $1', [
      first.entry.id,
    ]);
    // The note is the worker's own words; the people met are what is sealed.
    const stored = JSON.stringify({ ...rows[0], note: undefined });
    expect(stored).not.toContain('13812345678');
    expect(stored).not.toContain('张大爷');
    expect(rows[0]?.people_sealed).toMatch(/^v1\./);
    // A sealed text opens only for its own entry.
    expect(seal.open(rows[0]?.people_sealed as string, other.entry.id)).toBeUndefined();
  });

  it('masks phones to 3+4 digits and words to their first character', () => {
    expect(maskPeople('张三 13800000001')).toBe('张* 138****0001');
    expect(maskPeople('李四(户主)，电话0517-83912345 王五 8391234')).toBe('李*(**)，电*051****2345 王* *****34');
  });

  it('reveals who was met to the author and the grid’s supervisors only, auditing each reveal', async () => {
    const { entries } = await store.search(worker, search({ mine: 'true' }));
    const id = entries.find((e) => e.people_met_masked !== null)?.id as string;
    for (const who of [worker, chiefOfA, streetOperator])
      expect(await store.reveal(who, { kind: 'user', userId: who.userId }, id)).toMatchObject({
        people_met: '张大爷 13812345678、女儿张丽',
      });
    expect(await store.reveal(otherWorker, { kind: 'user', userId: 'u-li' }, id)).toBeUndefined();
    const audit = await auditOf(db(), entryTarget(id));
    expect(audit.map((record) => [record.action, record.actor])).toEqual([
      ['worklog.people.reveal', 'user:u-wang'],
      ['worklog.people.reveal', 'user:u-chief'],
      ['worklog.people.reveal', 'user:u-op'],
    ]);
    expect(JSON.stringify(audit)).not.toContain('张大爷');
  });

  it('searches what each reader may read, by grid, worker, kind, dates, place and text, a page at a time', async () => {
    const kinds = ['conversation', 'hazard_check', 'dispute_found', 'help_given'] as const;
    for (const [i, kind] of kinds.entries())
      await store.create(
        'u-wang',
        entry({
          request_id: `req-search-${i}`,
          kind,
          visited_at: new Date(Date.parse('2026-11-20T02:00:00Z') + i * 86_400_000).toISOString(),
          place: i === 0 ? { address: '河下古镇东门菜市场' } : { building: '3', unit: '1', room: `10${i}` },
          note: i === 1 ? '楼道堆放杂物，存在消防隐患' : `第 ${i} 次走访`,
          tags: i === 2 ? ['邻里纠纷'] : [],
        }),
      );
    const ids = async (who: WorklogReach, fields: Record<string, unknown> = {}) =>
      (await store.search(who, search(fields))).entries.map((e) => e.kind);

    expect((await store.search(worker, search())).total).toBe(5);
    expect((await store.search(chiefOfA, search())).total).toBe(5);
    expect((await store.search(streetOperator, search())).total).toBe(6);
    expect((await store.search(otherWorker, search())).total).toBe(1);
    expect((await store.search(reach('u-nobody'), search())).total).toBe(0);
    expect((await store.search(streetOperator, search({ grid: GRID_B }))).total).toBe(1);
    expect((await store.search(streetOperator, search({ worker: 'u-li' }))).total).toBe(1);
    expect(await ids(chiefOfA, { kind: 'hazard_check' })).toEqual(['hazard_check']);
    expect(await ids(worker, { q: '消防' })).toEqual(['hazard_check']);
    expect(await ids(worker, { q: '纠纷' })).toEqual(['dispute_found']);
    expect(await ids(worker, { q: '100%' })).toEqual([]);
    expect(await ids(worker, { place: '菜市场' })).toEqual(['conversation']);
    expect(await ids(worker, { place: '31' })).toHaveLength(3);
    expect(await ids(worker, { from: '2026-11-21', to: '2026-11-23' })).toEqual(['dispute_found', 'hazard_check']);
    const second = await store.search(streetOperator, search({ page: '2', page_size: '4' }));
    expect(second).toMatchObject({ total: 6, page: 2, page_size: 4 });
    expect(second.entries).toHaveLength(2);
    // Newest visit first.
    const all = (await store.search(worker, search())).entries.map((e) => e.visited_at.getTime());
    expect(all).toEqual([...all].sort((a, b) => b - a));
  });

  it('lets the author edit for a day, keeping each version, then only read', async () => {
    const { entry: created } = await store.create('u-wang', entry({ request_id: 'req-edit-001' }));
    expect(await store.edit('u-li', created.id, { note: 'not mine' })).toBeUndefined();
    clock.advance(2 * HOUR);
    const edited = await store.edit('u-wang', created.id, { note: '补充：已联系社区医生', tags: ['独居老人', '医疗'] });
    expect(edited).toMatchObject({ version: 2, note: '补充：已联系社区医生', tags: ['独居老人', '医疗'] });
    const detail = await store.detail(worker, created.id);
    expect(detail?.history.map((v) => v.version)).toEqual([1, 2]);
    expect(detail?.may_edit).toBe(true);
    expect((await store.detail(chiefOfA, created.id))?.may_edit).toBe(false);
    expect(await store.detail(otherWorker, created.id)).toBeUndefined();
    clock.advance(23 * HOUR);
    await expect(store.edit('u-wang', created.id, { note: 'too late' })).rejects.toMatchObject({
      problem: 'GL_FORBIDDEN',
      said: { code: 'worklog.edit_window_closed' },
    });
    expect((await store.detail(worker, created.id))?.may_edit).toBe(false);
  });

  it('refuses a visit in the future, a building the territory does not have, a photo of someone else', async () => {
    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(WorklogRefusal);
      return (error as WorklogRefusal).errors?.map((e) => [e.pointer, e.detail.code]);
    };
    const future = new Date(clock().getTime() + HOUR).toISOString();
    expect(await refusal(store.create('u-wang', entry({ request_id: 'req-bad-0001', visited_at: future })))).toEqual([
      ['/visited_at', 'worklog.visit_in_future'],
    ]);
    const place = { building: '7', unit: '1' };
    expect(await refusal(store.create('u-wang', entry({ request_id: 'req-bad-0002', place })))).toEqual([
      ['/place/unit', 'worklog.place_unknown'],
    ]);
    const photo = await store.addPhoto({
      mediaType: 'image/png',
      name: 'x.png',
      content: new Uint8Array([0x89, 0x50]),
      uploadedBy: 'u-li',
    });
    expect(await refusal(store.create('u-wang', entry({ request_id: 'req-bad-0003', photo_ids: [photo.id] })))).toEqual(
      [['/photo_ids/0', 'worklog.photo_unknown']],
    );
    // Nothing of the refused entries was kept.
    const { rows } = await db().query("SELECT 1 FROM worklog_entries WHERE request_id LIKE 'req-bad-%'");
    expect(rows).toHaveLength(0);
  });

  it('keeps entries for the tenant’s retention, then prunes them with their photos', async () => {
    await expect(store.settings.replace({ kind: 'admin' }, { retention_days: 10 })).rejects.toBeInstanceOf(ZodError);
    expect(await store.settings.replace({ kind: 'admin' }, { retention_days: 30 })).toEqual({ retention_days: 30 });
    const { entry: kept } = await store.create(
      'u-wang',
      entry({ request_id: 'req-keep-001', visited_at: new Date(clock().getTime() - HOUR).toISOString() }),
    );
    const stray = await store.addPhoto({
      mediaType: 'image/png',
      name: 'stray.png',
      content: new Uint8Array([0x89, 0x50]),
      uploadedBy: 'u-wang',
    });
    clock.advance(29 * 24 * HOUR);
    const before = (await store.search(streetOperator, search())).total;
    // The hourly job's pass, on the same clock.
    const job = new WorklogRetention(db(), clock, silentLogger());
    expect(await job.run()).toMatchObject({ photos: 2 });
    expect(await pruneWorklog(db(), clock)).toEqual({ entries: 0, photos: 0 });
    const after = await store.search(streetOperator, search());
    // Visits of 2026-11-20…25 are past 30 days now (2026-12-24 08:00); the one of an hour ago stays.
    expect(after.entries.map((e) => e.id)).toEqual([kept.id]);
    expect(before).toBeGreaterThan(1);
    expect(await store.readPhoto(stray.id)).toBeUndefined();
    const { rows } = await db().query('SELECT count(*)::int AS n FROM worklog_entry_versions');
    expect(rows[0]).toEqual({ n: 1 });
  });
});
