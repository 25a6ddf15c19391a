import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { auditOf } from './audit.js';
import { createUser, login, signedIn, TEST_PASSWORD } from './test-support.js';
import type { User } from './users.js';

const newUser = (username: string, territory = '320803001', roles: unknown[] = []) => ({
  username,
  display_name: `User ${username}`,
  territory_code: territory,
  password: TEST_PASSWORD,
  roles,
});

describe.each(BACKENDS)('user management (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  const post = (path: string, token: string | undefined, body: unknown, headers?: Record<string, string>) =>
    api(cloud(), 'POST', path, { ...(token === undefined ? {} : { token }), body, ...(headers ? { headers } : {}) });
  /** The refusals asserted as English text are read in English. */
  const ENGLISH = { 'accept-language': 'en' };

  describe('creating users', () => {
    it('lets the admin token create a user; there are no default users', async () => {
      const response = await post(
        '/api/v1/users',
        TEST_ADMIN_TOKEN,
        newUser('admin.made', '320803', [{ role: 'district_admin', scope: '320803' }]),
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/api/v1/users/${response.body.id}`);
      expect(response.body).toMatchObject({
        username: 'admin.made',
        roles: [{ role: 'district_admin', scope: '320803' }],
      });
      expect(response.body).not.toHaveProperty('password_hash');
      const { rows } = await cloud().db.query<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE id = $1',
        [response.body.id],
      );
      expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    });

    it('lets a district admin create users inside their territory and refuses outside (403)', async () => {
      const { token } = await signedIn(
        cloud(),
        'street.admin',
        [{ role: 'district_admin', scope: '320803001' }],
        '320803001',
      );
      const inside = await post(
        '/api/v1/users',
        token,
        newUser('made.by.street', '320803001001', [{ role: 'grid_worker', scope: '320803001001003' }]),
      );
      expect(inside.status).toBe(201);
      const outside = await post('/api/v1/users', token, newUser('elsewhere', '320803002'), ENGLISH);
      expect(outside.status).toBe(403);
      expect(outside.body).toMatchObject({ code: 'GL_FORBIDDEN', detail: '320803002 is outside your territory' });
      const roleOutside = await post(
        '/api/v1/users',
        token,
        newUser('sneaky.role', '320803001', [{ role: 'operator', scope: '320803' }]),
      );
      expect(roleOutside.status).toBe(403);
    });

    it('refuses a grid worker with a 403 problem, and no token with 401', async () => {
      const { token } = await signedIn(cloud(), 'grid.worker', [{ role: 'grid_worker', scope: '320803001001003' }]);
      const refused = await post('/api/v1/users', token, newUser('not.allowed'));
      expect(refused.status).toBe(403);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.body).toEqual({
        type: 'urn:gridlink:problem:GL_FORBIDDEN',
        title: '无权操作',
        status: 403,
        detail: '此操作需要管理员令牌或区/街道管理员角色',
        code: 'GL_FORBIDDEN',
        instance: '/api/v1/users',
      });
      const anonymous = await post('/api/v1/users', undefined, newUser('not.allowed'));
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('GL_UNAUTHENTICATED');
      for (const role of ['operator', 'property_manager', 'callback_agent'] as const) {
        const other = await signedIn(cloud(), `refused.${role.replace('_', '-')}`, [
          { role, scope: role === 'property_manager' ? '320803001001' : '320803' },
        ]);
        expect((await post('/api/v1/users', other.token, newUser('not.allowed'))).body.code).toBe('GL_FORBIDDEN');
      }
    });

    it('answers a taken username with 409 and validates the body', async () => {
      await createUser(cloud(), 'taken.name');
      const taken = await post('/api/v1/users', TEST_ADMIN_TOKEN, newUser('taken.name'));
      expect(taken.status).toBe(409);
      expect(taken.body.code).toBe('GL_USER_EXISTS');
      const invalid = await post('/api/v1/users', TEST_ADMIN_TOKEN, {
        ...newUser('Bad Name'),
        password: 'short',
        roles: [{ role: 'grid_worker', scope: '320803001' }],
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('GL_VALIDATION_FAILED');
      expect((invalid.body.errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
        '/username',
        '/password',
        '/roles/0/scope',
      ]);
    });
  });

  describe('roles', () => {
    it('assigns and revokes a role, writing both to the audit log', async () => {
      const { user: admin, token } = await signedIn(cloud(), 'role.admin', [
        { role: 'district_admin', scope: '320803' },
      ]);
      const worker = await createUser(cloud(), 'role.target', { territory: '320803001001' });
      const assigned = await post(`/api/v1/users/${worker.id}/roles`, token, {
        role: 'grid_worker',
        scope: '320803001001003',
      });
      expect(assigned.status).toBe(201);
      expect(
        (await post(`/api/v1/users/${worker.id}/roles`, token, { role: 'grid_worker', scope: '320803001001003' }))
          .status,
      ).toBe(200);
      const revoked = await api(cloud(), 'DELETE', `/api/v1/users/${worker.id}/roles/grid_worker/320803001001003`, {
        token,
      });
      expect(revoked.status).toBe(204);
      const again = await api(cloud(), 'DELETE', `/api/v1/users/${worker.id}/roles/grid_worker/320803001001003`, {
        token,
      });
      expect(again.status).toBe(404);

      const audit = await auditOf(cloud().db, `user:${worker.id}`);
      expect(audit.map(({ actor, action, details }) => ({ actor, action, details }))).toEqual([
        {
          actor: 'admin',
          action: 'user.create',
          details: { username: 'role.target', territory_code: '320803001001', roles: [] },
        },
        {
          actor: `user:${admin.id}`,
          action: 'role.assign',
          details: { role: 'grid_worker', scope: '320803001001003' },
        },
        {
          actor: `user:${admin.id}`,
          action: 'role.revoke',
          details: { role: 'grid_worker', scope: '320803001001003' },
        },
      ]);
      expect(audit[0]?.at).toEqual(clock());
    });

    it('lets only the admin token assign installers, and checks a disposal unit exists and is inside', async () => {
      const { token } = await signedIn(
        cloud(),
        'unit.admin',
        [{ role: 'district_admin', scope: '320803001' }],
        '320803001',
      );
      const target = await createUser(cloud(), 'unit.target', { territory: '320803001' });
      const installer = await post(`/api/v1/users/${target.id}/roles`, token, {
        role: 'installer',
        scope: 'gw-320803-001',
      });
      expect(installer.status).toBe(403);
      expect(
        (
          await post(`/api/v1/users/${target.id}/roles`, TEST_ADMIN_TOKEN, {
            role: 'installer',
            scope: 'gw-320803-001',
          })
        ).status,
      ).toBe(201);
      // Now an installer, the target is beyond the street admin (gateways carry no territory).
      expect(
        (await post(`/api/v1/users/${target.id}/roles`, token, { role: 'operator', scope: '320803001' })).status,
      ).toBe(403);

      const other = await createUser(cloud(), 'unit.other', { territory: '320803001' });
      const missing = await post(`/api/v1/users/${other.id}/roles`, token, {
        role: 'disposal_unit',
        scope: 'no-such-unit',
      });
      expect(missing.body.code).toBe('GL_DISPOSAL_UNIT_NOT_FOUND');
      const unit = await post('/api/v1/disposal-units', TEST_ADMIN_TOKEN, {
        id: 'fire-huaian',
        name_zh: '淮安区消防救援大队',
        name_en: 'Huai’an district fire and rescue brigade',
        unit_type: 'fire_rescue',
        territory_code: '320803',
      });
      expect(unit.status).toBe(201);
      // The brigade serves the whole district, beyond this street admin's territory.
      expect(
        (await post(`/api/v1/users/${other.id}/roles`, token, { role: 'disposal_unit', scope: 'fire-huaian' })).status,
      ).toBe(403);
    });

    it('refuses to manage a user of another territory', async () => {
      const { token } = await signedIn(
        cloud(),
        'narrow.admin',
        [{ role: 'district_admin', scope: '320803002' }],
        '320803002',
      );
      const stranger = await createUser(cloud(), 'stranger', { territory: '320803001' });
      const refused = await post(
        `/api/v1/users/${stranger.id}/roles`,
        token,
        { role: 'operator', scope: '320803002' },
        ENGLISH,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toBe(`user ${stranger.id} belongs to 320803001, outside your territory`);
      const unknown = await post('/api/v1/users/no-such-user/roles', token, { role: 'operator', scope: '320803002' });
      expect(unknown.body.code).toBe('GL_USER_NOT_FOUND');
    });

    it('ends the sessions of a deactivated user and audits the change without secrets', async () => {
      const target = await createUser(cloud(), 'to.deactivate');
      const session = await login(cloud(), 'to.deactivate');
      const changed = await api<User>(cloud(), 'PATCH', `/api/v1/users/${target.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { active: false, password: 'a brand new password' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.active).toBe(false);
      expect((await api(cloud(), 'GET', '/api/v1/me', { token: session })).status).toBe(401);
      const audit = await auditOf(cloud().db, `user:${target.id}`);
      expect(audit.at(-1)).toMatchObject({ action: 'user.update', details: { active: false, password_changed: true } });
      expect(JSON.stringify(audit)).not.toContain('brand new');
    });
  });

  describe('passwords', () => {
    it('refuses a new user’s password that contains the username, as the CLI does', async () => {
      const refused = await post(
        '/api/v1/users',
        TEST_ADMIN_TOKEN,
        { ...newUser('li.wei'), password: 'my name is Li.Wei and this is long' },
        ENGLISH,
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        code: 'GL_VALIDATION_FAILED',
        errors: [{ pointer: '/password', detail: 'a password must not contain the username' }],
      });
      expect((await post('/api/v1/users', TEST_ADMIN_TOKEN, newUser('li.wei'))).status).toBe(201);
    });

    it('refuses a changed password that contains the username, and keeps the old one', async () => {
      const target = await createUser(cloud(), 'zhang.min');
      const changed = await api(cloud(), 'PATCH', `/api/v1/users/${target.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { password: 'zhang.min forever and ever' },
        headers: ENGLISH,
      });
      expect(changed.status).toBe(400);
      expect(changed.body).toMatchObject({
        code: 'GL_VALIDATION_FAILED',
        errors: [{ pointer: '/password', detail: 'a password must not contain the username' }],
      });
      expect(await login(cloud(), 'zhang.min')).toEqual(expect.any(String));
    });
  });

  describe('listing users', () => {
    it('lists the users of a territory the caller can see, and refuses one it cannot', async () => {
      await createUser(cloud(), 'list.a', {
        territory: '320809001',
        roles: [{ role: 'grid_worker', scope: '320809001001001' }],
      });
      await createUser(cloud(), 'list.b', { territory: '320809002' });
      await createUser(cloud(), 'list.c', { territory: '320809', roles: [{ role: 'operator', scope: '320809001' }] });
      const { token } = await signedIn(
        cloud(),
        'list.operator',
        [{ role: 'operator', scope: '320809001' }],
        '320809001',
      );
      const listed = await api<{ users: User[] }>(cloud(), 'GET', '/api/v1/users?territory=320809001', { token });
      expect(listed.status).toBe(200);
      expect(listed.body.users.map((u) => u.username)).toEqual(['list.a', 'list.c', 'list.operator']);
      const all = await api<{ users: User[] }>(cloud(), 'GET', '/api/v1/users', { token });
      expect(all.body.users.map((u) => u.username)).toEqual(['list.a', 'list.c', 'list.operator']);
      const refused = await api(cloud(), 'GET', '/api/v1/users?territory=320809002', { token });
      expect(refused.status).toBe(403);
      const byAdmin = await api<{ users: User[] }>(cloud(), 'GET', '/api/v1/users?territory=320809', {
        token: TEST_ADMIN_TOKEN,
      });
      expect(byAdmin.body.users.map((u) => u.username)).toEqual(['list.a', 'list.b', 'list.c', 'list.operator']);
    });
  });

  describe('disposal units', () => {
    it('are created by an admin of their territory and audited; a duplicate id is 409', async () => {
      const { user, token } = await signedIn(cloud(), 'units.admin', [{ role: 'district_admin', scope: '320803' }]);
      const unit = {
        id: 'gas-huaian',
        name_zh: '淮安港华燃气',
        name_en: 'Huai’an Towngas',
        unit_type: 'gas_company',
        territory_code: '320803',
      };
      const created = await post('/api/v1/disposal-units', token, unit);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ ...unit, created_at: clock().toISOString() });
      expect((await post('/api/v1/disposal-units', token, unit)).body.code).toBe('GL_DISPOSAL_UNIT_EXISTS');
      expect(await auditOf(cloud().db, 'disposal_unit:gas-huaian')).toEqual([
        expect.objectContaining({ actor: `user:${user.id}`, action: 'disposal_unit.create', details: unit }),
      ]);
      const outside = await post('/api/v1/disposal-units', token, {
        ...unit,
        id: 'gas-other',
        territory_code: '320804',
      });
      expect(outside.status).toBe(403);
      const listed = await api<{ disposal_units: { id: string }[] }>(cloud(), 'GET', '/api/v1/disposal-units', {
        token,
      });
      expect(listed.body.disposal_units.map((u) => u.id)).toContain('gas-huaian');
    });
  });
});
