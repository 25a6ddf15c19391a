import { beforeAll, describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { writeAudit } from './audit.js';
import type { AuditLogPage } from './audit-log.js';
import { createUser, signedIn, TEST_PASSWORD } from './test-support.js';

const DISTRICT = '320803';
const OTHER_DISTRICT = '320804';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const NEW_PASSWORD = 'an entirely new secret phrase';

/**
 * The audit viewer's read: every change and every view of personal data a district admin's
 * territory saw, by name, newest first, in pages; nothing of another district; no secrets.
 */
describe.each(BACKENDS)('GET /audit-log (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  const read = async (token: string, query = '') =>
    api<AuditLogPage>(cloud(), 'GET', `/api/v1/audit-log${query}`, { token, headers: { 'accept-language': 'en' } });

  let admin: { token: string; id: string };
  let otherAdmin: string;
  let worker: { id: string };
  let startedAt: string;
  beforeAll(async () => {
    startedAt = clock().toISOString();
    const a = await signedIn(cloud(), 'audit.admin', [{ role: 'district_admin', scope: DISTRICT }], DISTRICT);
    admin = { token: a.token, id: a.user.id };
    otherAdmin = (
      await signedIn(cloud(), 'audit.other', [{ role: 'district_admin', scope: OTHER_DISTRICT }], OTHER_DISTRICT)
    ).token;
    clock.advance(60_000);
    worker = await createUser(cloud(), 'audit.worker', { territory: COMMUNITY, token: admin.token });
    clock.advance(60_000);
    const member = await api(cloud(), 'PUT', `/api/v1/grids/${GRID}/members/${worker.id}`, {
      token: admin.token,
      body: { position: 'full_time' },
    });
    expect(member.status).toBe(200);
    const changed = await api(cloud(), 'PATCH', `/api/v1/users/${worker.id}`, {
      token: admin.token,
      body: { display_name: '王网格', password: NEW_PASSWORD },
    });
    expect(changed.status).toBe(200);
    expect(
      (
        await api(cloud(), 'PUT', `/api/v1/users/${worker.id}/contact`, {
          token: admin.token,
          body: { phone: '13800138000' },
        })
      ).status,
    ).toBe(200);
    clock.advance(60_000);
    expect((await api(cloud(), 'GET', `/api/v1/users/${worker.id}/contact`, { token: admin.token })).status).toBe(200);
    // The other district's own business, and a tenant-wide record.
    await createUser(cloud(), 'audit.elsewhere', { territory: '320804001001' });
    await writeAudit(cloud().db, {
      actor: { kind: 'admin' },
      action: 'session.settings.replace',
      target: 'session_settings',
      at: clock(),
      details: { before: { idle_minutes: 30 }, after: { idle_minutes: 20 } },
    });
  });

  it('shows a district admin the trail of a user they made: who by name, what, and the change before and after', async () => {
    const page = await read(admin.token, `?target=user:${worker.id}`);
    expect(page.status).toBe(200);
    expect(page.body.records.map((r) => r.action)).toEqual(['user.update', 'user.create']);
    const [update, create] = page.body.records;
    expect(create).toMatchObject({ actor: `user:${admin.id}`, actor_name: 'Test audit.admin', target_name: '王网格' });
    expect(update?.details).toMatchObject({ display_name: '王网格', password_changed: true });
    expect(update?.details.before).toEqual({ display_name: 'Test audit.worker' });
  });

  it('finds the roster change of the admin’s grid, by an action prefix', async () => {
    const page = await read(admin.token, '?action=roster.*');
    expect(page.body.records).toHaveLength(1);
    expect(page.body.records[0]).toMatchObject({
      action: 'roster.member.set',
      target: `grid:${GRID}`,
      details: { user_id: worker.id, position: 'full_time' },
      personal: false,
    });
    expect(page.body.names).toEqual({ [worker.id]: '王网格' });
  });

  it('finds views of personal data (the contact read), and only those, under "personal data views"', async () => {
    const page = await read(admin.token, '?personal=true');
    expect(page.body.records.map((r) => [r.action, r.target])).toEqual([['contact.view', `contact:${worker.id}`]]);
    expect(page.body.records[0]?.personal).toBe(true);
  });

  it('counts a worklog reveal as a personal-data view; one whose entry is not on record reaches only the admin token', async () => {
    await writeAudit(cloud().db, {
      actor: { kind: 'user', userId: worker.id },
      action: 'worklog.people.reveal',
      target: 'worklog_entry:0b6f9c1e-2d7a-4c55-9b8e-3f1d2a4c5e6f',
      at: clock(),
      details: { grid: GRID, author: worker.id, own: true },
    });
    const all = await read(TEST_ADMIN_TOKEN, '?personal=true&action=worklog.*');
    expect(all.body.records.map((r) => [r.action, r.personal])).toEqual([['worklog.people.reveal', true]]);
    expect(all.body.names).toEqual({ [worker.id]: '王网格' });
    expect((await read(admin.token, '?action=worklog.*')).body.records).toEqual([]);
  });

  it('shows an admin of another district none of it, and only its own district’s records', async () => {
    const page = await read(otherAdmin, '?limit=200');
    expect(page.status).toBe(200);
    const targets = page.body.records.map((r) => r.target);
    expect(targets.some((t) => t.includes(worker.id) || t.includes(GRID))).toBe(false);
    expect(targets).not.toContain('session_settings');
    expect(page.body.records.map((r) => r.action)).toContain('user.create');
    expect((await read(otherAdmin, `?target=user:${worker.id}`)).body.records).toEqual([]);
  });

  it('keeps tenant-wide records from one district’s admin where the deployment serves two; the admin token reads them', async () => {
    expect((await read(admin.token, '?target=session_settings')).body.records).toEqual([]);
    const all = await read(TEST_ADMIN_TOKEN, '?target=session_settings');
    expect(all.body.records[0]?.details).toEqual({ before: { idle_minutes: 30 }, after: { idle_minutes: 20 } });
  });

  it('pages newest first with a cursor, and filters by time, actor and text', async () => {
    const first = await read(admin.token, '?limit=2');
    expect(first.body.records).toHaveLength(2);
    expect(first.body.next_before).not.toBeNull();
    const second = await read(admin.token, `?limit=2&before=${first.body.next_before}`);
    const ids = [...first.body.records, ...second.body.records].map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);

    const early = await read(
      admin.token,
      `?from=${startedAt}&to=${new Date(Date.parse(startedAt) + 90_000).toISOString()}`,
    );
    expect(early.body.records.map((r) => [r.action, r.target])).toEqual([
      ['user.create', `user:${worker.id}`],
      ['user.create', `user:${admin.id}`],
    ]);
    const mine = await read(admin.token, `?actor=user:${admin.id}&text=王网格`);
    expect(mine.body.records.length).toBeGreaterThan(0);
    expect(mine.body.records.every((r) => r.actor === `user:${admin.id}`)).toBe(true);
  });

  it('never shows a secret: no password, no number, no token, even one a module wrote by mistake', async () => {
    await writeAudit(cloud().db, {
      actor: { kind: 'user', userId: admin.id },
      action: 'test.secret_written',
      target: `user:${worker.id}`,
      at: clock(),
      details: { token: 'gl_s3cret_token', nested: { password: 'hunter2' } },
    });
    const page = await read(TEST_ADMIN_TOKEN, '?limit=200');
    const text = JSON.stringify(page.body);
    for (const secret of [NEW_PASSWORD, TEST_PASSWORD, '13800138000', 'gl_s3cret_token', 'hunter2', 'scrypt'])
      expect(text).not.toContain(secret);
    // Nor does a text search find a record by the value it hides.
    expect((await read(TEST_ADMIN_TOKEN, '?text=gl_s3cret_token')).body.records).toEqual([]);
    const written = page.body.records.find((r) => r.action === 'test.secret_written');
    expect(written?.details).toEqual({ token: '[hidden]', nested: { password: '[hidden]' } });
  });

  it('refuses a grid worker (403), no token (401), and names a malformed filter (400)', async () => {
    const grid = await signedIn(cloud(), 'audit.grid.worker', [{ role: 'grid_worker', scope: GRID }], COMMUNITY);
    expect((await read(grid.token)).status).toBe(403);
    expect((await api(cloud(), 'GET', '/api/v1/audit-log')).status).toBe(401);
    const bad = await read(admin.token, '?action=not%20an%20action&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    expect(JSON.stringify(bad.body)).toContain('action');
    expect(JSON.stringify(bad.body)).toContain('limit');
  });
});
