import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { createUser, login, signedIn, TEST_PASSWORD } from './test-support.js';

const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const NEW_PASSWORD = 'a fresh password nobody knows';

/**
 * How far a district admin reaches over people: only users whose home and every role lie inside the
 * admin's own territory, grid members living in the grid's community, substitutes the admin manages
 * who live where the absent worker serves.
 */
describe.each(BACKENDS)('what an admin may do to whom (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  // Read in English: the refusals are asserted as English text.
  const call = (method: string, path: string, token: string, body?: unknown) =>
    api(cloud(), method, path, {
      token,
      ...(body === undefined ? {} : { body }),
      headers: { 'accept-language': 'en' },
    });
  let seq = 0;
  const streetAdmin = async () => {
    seq++;
    return (await signedIn(cloud(), `street.admin.${seq}`, [{ role: 'district_admin', scope: STREET }], STREET)).token;
  };

  it('attack: a street admin cannot reset the password of a street resident who holds district-wide roles', async () => {
    const token = await streetAdmin();
    const unit = await call('POST', '/api/v1/disposal-units', TEST_ADMIN_TOKEN, {
      id: `unit-district-${seq}`,
      name_zh: '区水务',
      name_en: 'District water',
      unit_type: 'water_company',
      territory_code: '320803',
    });
    expect(unit.status).toBe(201);
    const victims = [
      await createUser(cloud(), `district.operator.${seq}`, {
        territory: STREET,
        roles: [{ role: 'operator', scope: '320803' }],
      }),
      await createUser(cloud(), `district.admin.${seq}`, {
        territory: COMMUNITY,
        roles: [{ role: 'district_admin', scope: '320803' }],
      }),
      await createUser(cloud(), `unit.worker.${seq}`, {
        territory: STREET,
        roles: [{ role: 'disposal_unit', scope: `unit-district-${seq}` }],
      }),
      await createUser(cloud(), `installer.${seq}`, {
        territory: STREET,
        roles: [{ role: 'installer', scope: 'gw-320803-001' }],
      }),
    ];
    for (const victim of victims) {
      const reset = await call('PATCH', `/api/v1/users/${victim.id}`, token, { password: NEW_PASSWORD });
      expect(reset.status, victim.username).toBe(403);
      expect(reset.body.code).toBe('GL_FORBIDDEN');
      for (const [method, path, body] of [
        ['PATCH', `/api/v1/users/${victim.id}`, { active: false }],
        ['PATCH', `/api/v1/users/${victim.id}`, { display_name: 'taken over' }],
        ['POST', `/api/v1/users/${victim.id}/roles`, { role: 'operator', scope: STREET }],
        ['DELETE', `/api/v1/users/${victim.id}/roles/${victim.roles[0]?.role}/${victim.roles[0]?.scope}`, undefined],
        [
          'POST',
          `/api/v1/users/${victim.id}/leaves`,
          { starts_at: clock().toISOString(), ends_at: '2027-01-01T00:00:00Z' },
        ],
        ['PUT', `/api/v1/users/${victim.id}/contact`, { phone: '13800138000' }],
        ['GET', `/api/v1/users/${victim.id}/contact`, undefined],
      ] as const) {
        const refused = await call(method, path, token, body);
        expect(refused.status, `${method} ${path} ${victim.username}`).toBe(403);
      }
      // The account is untouched: the old password still works, the new one does not.
      await login(cloud(), victim.username, TEST_PASSWORD);
      const stolen = await api(cloud(), 'POST', '/api/v1/sessions', {
        body: { username: victim.username, password: NEW_PASSWORD },
      });
      expect(stolen.status).toBe(401);
    }
    // A resident whose roles all lie in the street is the street admin's to manage.
    const own = await createUser(cloud(), `street.operator.${seq}`, {
      territory: STREET,
      roles: [{ role: 'operator', scope: STREET }],
    });
    expect((await call('PATCH', `/api/v1/users/${own.id}`, token, { password: NEW_PASSWORD })).status).toBe(200);
    await login(cloud(), own.username, NEW_PASSWORD);
  });

  it('attack: a street admin cannot make a user of another territory a member of their grid', async () => {
    const token = await streetAdmin();
    const elsewhere = [
      await createUser(cloud(), `other.street.${seq}`, { territory: '320803002' }),
      await createUser(cloud(), `other.community.${seq}`, { territory: '320803001002' }),
      await createUser(cloud(), `district.wide.${seq}`, {
        territory: COMMUNITY,
        roles: [{ role: 'operator', scope: '320803' }],
      }),
    ];
    for (const user of elsewhere) {
      const refused = await call('PUT', `/api/v1/grids/${GRID}/members/${user.id}`, token, { position: 'part_time' });
      expect(refused.status, user.username).toBe(403);
      expect(refused.body.code).toBe('GL_FORBIDDEN');
      const { rows } = await cloud().db.query('SELECT 1 FROM grid_members WHERE user_id = $1', [user.id]);
      expect(rows).toEqual([]);
    }
    // Not even the admin token puts someone from another community on the grid.
    const admin = await call('PUT', `/api/v1/grids/${GRID}/members/${elsewhere[0]?.id}`, TEST_ADMIN_TOKEN, {
      position: 'part_time',
    });
    expect(admin.status).toBe(403);
    const resident = await createUser(cloud(), `resident.${seq}`, { territory: COMMUNITY });
    const joined = await call('PUT', `/api/v1/grids/${GRID}/members/${resident.id}`, token, { position: 'part_time' });
    expect(joined.status).toBe(200);
  });

  it('attack: a leave’s substitute from another territory cannot take over the worker’s incidents', async () => {
    const token = await streetAdmin();
    const worker = await createUser(cloud(), `worker.${seq}`, { territory: COMMUNITY });
    expect(
      (await call('PUT', `/api/v1/grids/${GRID}/members/${worker.id}`, token, { position: 'part_time' })).status,
    ).toBe(200);
    const leave = (substitute: string) =>
      call('POST', `/api/v1/users/${worker.id}/leaves`, token, {
        starts_at: '2026-12-01T00:00:00Z',
        ends_at: '2026-12-08T00:00:00Z',
        substitute_user_id: substitute,
      });
    const strangers = [
      await createUser(cloud(), `sub.other.street.${seq}`, { territory: '320803002' }),
      await createUser(cloud(), `sub.other.community.${seq}`, { territory: '320803001002' }),
      await createUser(cloud(), `sub.district.${seq}`, {
        territory: COMMUNITY,
        roles: [{ role: 'district_admin', scope: '320803' }],
      }),
    ];
    for (const stranger of strangers) {
      const refused = await leave(stranger.id);
      expect(refused.status, stranger.username).toBe(403);
      expect(refused.body.detail).toMatch(/^substitute_user_id: /);
    }
    const unknown = await leave('no-such-user');
    expect(unknown.status).toBe(404);
    const { rows } = await cloud().db.query('SELECT 1 FROM leaves WHERE user_id = $1', [worker.id]);
    expect(rows).toEqual([]);
    const neighbour = await createUser(cloud(), `sub.neighbour.${seq}`, { territory: GRID });
    expect((await leave(neighbour.id)).status).toBe(201);
  });
});
