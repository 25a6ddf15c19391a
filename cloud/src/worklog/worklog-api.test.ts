import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { login, signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { WorklogContext } from './routes.js';
import type { EntryDetail, EntryPage, EntryView } from './store.js';

const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID_A = `${COMMUNITY}001`;
const GRID_B = `${COMMUNITY}002`;
/** The smallest PNG header the content sniffing accepts. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

type Problem = { code: string; detail: string; errors?: { pointer?: string; detail: string }[] };

/**
 * The work log over HTTP: a grid worker writes (once, however often the phone resends), their
 * supervisors find and reveal, everyone else is refused on the server.
 */
describe.each(BACKENDS)('the work log API (%s)', (backend) => {
  const clock = manualClock('2026-12-06T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = <T>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
    });
  const newEntry = (fields: Record<string, unknown> = {}) => ({
    request_id: 'phone-0001-aaaa',
    grid: GRID_A,
    visited_at: '2026-12-06T09:30:00+08:00',
    kind: 'conversation',
    place: { building: '3', unit: '2', room: '501' },
    people_met: '张大爷 13812345678',
    note: '谈心谈话：老人担心冬季取暖费用',
    tags: ['独居老人', '取暖'],
    ...fields,
  });

  beforeAll(async () => {
    const cast = {
      wang: [{ role: 'grid_worker', scope: GRID_A }],
      li: [{ role: 'grid_worker', scope: GRID_B }],
      chief: [{ role: 'grid_worker', scope: GRID_A }],
      operator: [{ role: 'operator', scope: STREET }],
      faroperator: [{ role: 'operator', scope: '320803002' }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const { user, token } = await signedIn(cloud(), `${backend}-wl-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    tokens.admin = TEST_ADMIN_TOKEN;
    // The chief of grid A is its 网格长 in the roster: they read all of the grid's entries.
    await cloud().db.query(
      "INSERT INTO grid_members (grid_code, user_id, position, created_at) VALUES ($1, $2, 'grid_chief', now())",
      [GRID_A, ids.chief],
    );
  });

  it('stores an entry once though the phone sends it twice, and masks who was met in lists', async () => {
    const first = await call<{ entry: EntryView; created: boolean }>('wang', 'POST', '/worklog/entries', newEntry());
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/api/v1/worklog/entries/${first.body.entry.id}`);
    expect(first.body.entry).toMatchObject({ people_met_masked: '张** 138****5678', version: 1 });
    const again = await call<{ entry: EntryView; created: boolean }>('wang', 'POST', '/worklog/entries', newEntry());
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, entry: { id: first.body.entry.id } });
    const list = await call<EntryPage>('wang', 'GET', '/worklog/entries?mine=true');
    expect(list.body.total).toBe(1);
    expect(JSON.stringify(list.body)).not.toContain('13812345678');
  });

  it('finds entries for the grid’s chief and the street’s operator, not for another grid’s worker', async () => {
    const id = (await call<EntryPage>('wang', 'GET', '/worklog/entries')).body.entries[0]?.id as string;
    for (const who of ['chief', 'operator']) {
      const found = await call<EntryPage>(
        who,
        'GET',
        `/worklog/entries?grid=${GRID_A}&q=${encodeURIComponent('取暖')}`,
      );
      expect(
        found.body.entries.map((e) => e.id),
        who,
      ).toEqual([id]);
      expect((await call(who, 'GET', `/worklog/entries/${id}`)).status, who).toBe(200);
    }
    for (const who of ['li', 'faroperator']) {
      expect((await call<EntryPage>(who, 'GET', '/worklog/entries')).body.total, who).toBe(0);
      const detail = await call<Problem>(who, 'GET', `/worklog/entries/${id}`);
      expect(detail.status, who).toBe(404);
      expect((await call(who, 'POST', `/worklog/entries/${id}/reveal`)).status, who).toBe(404);
    }
    // Another grid's worker cannot write in grid A either.
    const elsewhere = await call<Problem>('li', 'POST', '/worklog/entries', newEntry({ request_id: 'phone-li-0001' }));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.errors?.[0]?.pointer).toBe('/grid');
    expect(elsewhere.body.detail).toContain(GRID_A);
  });

  it('refuses a property manager everything, with the reason', async () => {
    for (const [method, path] of [
      ['GET', '/worklog/entries'],
      ['GET', '/worklog/context'],
      ['POST', '/worklog/entries'],
      ['GET', '/worklog/settings'],
    ] as const) {
      const refused = await call<Problem>('property', method, path, method === 'POST' ? newEntry() : undefined);
      expect(refused.status, path).toBe(403);
      expect(refused.body.detail).toContain('民情日志仅供网格员');
    }
  });

  it('reveals who was met to a supervisor, auditing the reveal', async () => {
    const id = (await call<EntryPage>('operator', 'GET', '/worklog/entries')).body.entries[0]?.id as string;
    const detail = await call<{ entry: EntryDetail }>('operator', 'GET', `/worklog/entries/${id}`);
    expect(detail.body.entry).toMatchObject({
      may_reveal: true,
      may_edit: false,
      people_met_masked: '张** 138****5678',
    });
    expect(JSON.stringify(detail.body)).not.toContain('13812345678');
    const revealed = await call<{ people_met: string }>('operator', 'POST', `/worklog/entries/${id}/reveal`);
    expect(revealed.status).toBe(200);
    expect(revealed.body.people_met).toBe('张大爷 13812345678');
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    const audit = await auditOf(cloud().db, `worklog_entry:${id}`);
    expect(audit.map((r) => [r.action, r.actor])).toEqual([['worklog.people.reveal', `user:${ids.operator}`]]);
  });

  it('keeps a photo with the entry and shows it through a signed link', async () => {
    const upload = await api<{ id: string; url: string }>(cloud(), 'POST', '/api/v1/worklog/photos?name=door.png', {
      token: tokens.wang as string,
      rawBody: PNG.toString('latin1'),
      contentType: 'image/png',
    });
    // fetch sends a string body as UTF-8: send the bytes themselves instead.
    const response = await fetch(`${cloud().url}/api/v1/worklog/photos?name=door.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.wang}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(upload.status === 201 || upload.status === 415).toBe(true);
    expect(response.status).toBe(201);
    const photo = (await response.json()) as { id: string };
    const created = await call<{ entry: EntryView }>(
      'wang',
      'POST',
      '/worklog/entries',
      newEntry({ request_id: 'phone-0002-photo', kind: 'hazard_check', photo_ids: [photo.id], people_met: undefined }),
    );
    expect(created.status).toBe(201);
    expect(created.body.entry.photo_count).toBe(1);
    const detail = await call<{ entry: EntryDetail & { photos: { url: string }[] } }>(
      'chief',
      'GET',
      `/worklog/entries/${created.body.entry.id}`,
    );
    const url = detail.body.entry.photos[0]?.url as string;
    const image = await fetch(`${cloud().url}${url}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
    const views = await auditOf(cloud().db, `worklog_entry:${created.body.entry.id}`);
    expect(views.map((r) => [r.action, r.actor])).toEqual([['worklog.photo.view', `user:${ids.chief}`]]);
    // The link is the chief's: another grid's worker's session cannot use a made-up one.
    expect((await fetch(`${cloud().url}/api/v1/worklog/photos/${photo.id}?access=x.y.1.z`)).status).toBe(401);
    const notAnImage = await fetch(`${cloud().url}/api/v1/worklog/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.wang}`, 'content-type': 'image/png' },
      body: '<script>alert(1)</script>',
    });
    expect(notAnImage.status).toBe(415);
    // A property manager uploads nothing.
    const property = await fetch(`${cloud().url}/api/v1/worklog/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.property}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(property.status).toBe(403);
  });

  it('names the field and the fix for bad input', async () => {
    const bad = await call<Problem>(
      'wang',
      'POST',
      '/worklog/entries',
      newEntry({ request_id: 'x', kind: 'gossip', place: {}, visited_at: '2026-12-07T09:00:00+08:00' }),
    );
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body.errors?.map((e) => e.pointer).sort()).toEqual(['/kind', '/place', '/request_id']);
    const future = await call<Problem>(
      'wang',
      'POST',
      '/worklog/entries',
      newEntry({ request_id: 'phone-future-1', visited_at: '2026-12-07T09:00:00+08:00' }),
    );
    expect(future.status, JSON.stringify(future.body)).toBe(400);
    expect(future.body.errors?.[0]).toMatchObject({ pointer: '/visited_at' });
    expect(future.body.detail).toContain('请检查手机时间');
    const parameters = async (query: string) => {
      const response = await call<Problem>('operator', 'GET', `/worklog/entries?${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      return response.body.errors?.map((e) => e.pointer ?? (e as { parameter?: string }).parameter);
    };
    expect(await parameters('kind=gossip&page_size=500')).toEqual(['kind', 'page_size']);
    expect(await parameters('from=2026-12-06&to=2026-12-01')).toEqual(['to']);
  });

  it('tells the pages the caller’s grids and kinds; only tenant admins change the retention', async () => {
    const context = await call<WorklogContext>('wang', 'GET', '/worklog/context');
    expect(context.body).toMatchObject({ grids: [{ code: GRID_A }], supervises: false, edit_window_hours: 24 });
    expect(context.body.kinds.map((k) => k.name.zh)).toContain('入户走访');
    expect((await call<WorklogContext>('chief', 'GET', '/worklog/context')).body.supervises).toBe(true);
    expect((await call('operator', 'PUT', '/worklog/settings', { retention_days: 365 })).status).toBe(403);
    const bad = await call<Problem>('admin', 'PUT', '/worklog/settings', { retention_days: 7 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.pointer).toBe('/retention_days');
    const good = await call('admin', 'PUT', '/worklog/settings', { retention_days: 365 });
    expect(good.body).toEqual({ retention_days: 365 });
    expect((await call('operator', 'GET', '/worklog/settings')).body).toEqual({ retention_days: 365 });
  });
  it('lets the author edit for a day, then refuses with the reason', async () => {
    const id = (await call<EntryPage>('wang', 'GET', '/worklog/entries?kind=conversation')).body.entries[0]
      ?.id as string;
    expect((await call('chief', 'PATCH', `/worklog/entries/${id}`, { note: '改' })).status).toBe(404);
    const edited = await call<{ entry: EntryView }>('wang', 'PATCH', `/worklog/entries/${id}`, {
      note: '谈心谈话：已帮助申请取暖补贴',
    });
    expect(edited.body.entry).toMatchObject({ version: 2 });
    clock.advance(25 * 3600_000);
    // Sessions end after 12 idle hours: the worker signs in again the next day.
    tokens.wang = await login(cloud(), `${backend}-wl-wang`);
    const late = await call<Problem>('wang', 'PATCH', `/worklog/entries/${id}`, { note: '再改' });
    expect(late.status).toBe(403);
    expect(late.body.detail).toContain('24 小时');
  });
});
