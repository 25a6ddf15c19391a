import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { auditOf } from './audit.js';
import { createUser, signedIn } from './test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/** What the roster page reads (members by name, a month's duty periods and leaves) and the unit edit it offers. */
describe.each(BACKENDS)('roster calendar and unit edits (%s)', (backend) => {
  const clock = manualClock('2026-12-01T00:00:00.000Z');
  const cloud = useTestCloud(backend, { clock });

  it('lists a grid’s members by name, and the duty periods and leaves overlapping a month', async () => {
    const chief = await createUser(cloud(), 'cal.chief', { territory: COMMUNITY });
    const worker = await createUser(cloud(), 'cal.worker', { territory: COMMUNITY });
    for (const [user, position] of [
      [chief, 'grid_chief'],
      [worker, 'full_time'],
    ] as const) {
      const set = await api(cloud(), 'PUT', `/api/v1/grids/${GRID}/members/${user.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { position },
      });
      expect(set.status).toBe(200);
    }
    for (const [starts, ends] of [
      ['2026-11-30T16:00:00+08:00', '2026-12-01T08:00:00+08:00'],
      ['2027-01-03T08:00:00+08:00', '2027-01-03T20:00:00+08:00'],
    ]) {
      const added = await api(cloud(), 'POST', `/api/v1/grids/${GRID}/duty-periods`, {
        token: TEST_ADMIN_TOKEN,
        body: { user_id: worker.id, starts_at: starts, ends_at: ends },
      });
      expect(added.status).toBe(201);
    }
    const leave = await api(cloud(), 'POST', `/api/v1/users/${worker.id}/leaves`, {
      token: TEST_ADMIN_TOKEN,
      body: {
        starts_at: '2026-12-10T00:00:00+08:00',
        ends_at: '2026-12-12T00:00:00+08:00',
        substitute_user_id: chief.id,
      },
    });
    expect(leave.status).toBe(201);

    const viewer = await signedIn(cloud(), 'cal.viewer', [{ role: 'grid_worker', scope: GRID }], COMMUNITY);
    const members = await api<{ members: Array<{ user_id: string; position: string; display_name: string }> }>(
      cloud(),
      'GET',
      `/api/v1/grids/${GRID}/members`,
      { token: viewer.token },
    );
    expect(members.status).toBe(200);
    expect(members.body.members.map((m) => [m.position, m.display_name])).toEqual([
      ['grid_chief', 'Test cal.chief'],
      ['full_time', 'Test cal.worker'],
    ]);
    const december = await api<{ duty_periods: unknown[]; leaves: Array<{ substitute_user_id: string }> }>(
      cloud(),
      'GET',
      `/api/v1/grids/${GRID}/duty-periods?from=2026-12-01T00:00:00%2B08:00&to=2027-01-01T00:00:00%2B08:00`,
      { token: viewer.token },
    );
    expect(december.status).toBe(200);
    expect(december.body.duty_periods).toHaveLength(1);
    expect(december.body.leaves.map((l) => l.substitute_user_id)).toEqual([chief.id]);
  });

  it('refuses a calendar longer than 62 days, or of a grid the caller does not see', async () => {
    const long = await api(
      cloud(),
      'GET',
      `/api/v1/grids/${GRID}/duty-periods?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z`,
      { token: TEST_ADMIN_TOKEN, headers: { 'accept-language': 'en' } },
    );
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body)).toContain('62 days');
    const other = await signedIn(cloud(), 'cal.other', [{ role: 'district_admin', scope: '320804' }], '320804');
    expect((await api(cloud(), 'GET', `/api/v1/grids/${GRID}/members`, { token: other.token })).status).toBe(403);
  });

  it('lets an admin of its territory rename a disposal unit, audited before and after; not another district’s', async () => {
    const created = await api(cloud(), 'POST', '/api/v1/disposal-units', {
      token: TEST_ADMIN_TOKEN,
      body: {
        id: 'unit-water',
        name_zh: '水务',
        name_en: 'Water',
        unit_type: 'water_company',
        territory_code: '320803',
      },
    });
    expect(created.status).toBe(201);
    const admin = await signedIn(cloud(), 'cal.admin', [{ role: 'district_admin', scope: '320803' }], '320803');
    const renamed = await api(cloud(), 'PATCH', '/api/v1/disposal-units/unit-water', {
      token: admin.token,
      body: { name_zh: '区水务集团' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: 'unit-water', name_zh: '区水务集团', name_en: 'Water' });
    const trail = await auditOf(cloud().db, 'disposal_unit:unit-water');
    expect(trail.at(-1)).toMatchObject({
      action: 'disposal_unit.update',
      details: { before: { name_zh: '水务' }, after: { name_zh: '区水务集团' } },
    });
    const other = await signedIn(cloud(), 'cal.other.admin', [{ role: 'district_admin', scope: '320804' }], '320804');
    const refused = await api(cloud(), 'PATCH', '/api/v1/disposal-units/unit-water', {
      token: other.token,
      body: { name_zh: '抢占' },
    });
    expect(refused.status).toBe(403);
    const bad = await api(cloud(), 'PATCH', '/api/v1/disposal-units/unit-water', {
      token: admin.token,
      body: { unit_type: 'Not A Type' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('/unit_type');
  });
});
