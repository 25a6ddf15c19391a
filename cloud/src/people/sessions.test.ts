import { describe, expect, it } from 'vitest';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { createUser, login, TEST_PASSWORD } from './test-support.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('sessions (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });
  const attempt = (username: string, password: string) =>
    api(cloud(), 'POST', '/api/v1/sessions', { body: { username, password } });
  const me = (token: string) => api(cloud(), 'GET', '/api/v1/me', { token });

  describe('login', () => {
    it('answers the right password with 201: an opaque token, its expiry and the user with roles', async () => {
      const user = await createUser(cloud(), 'li.na', { roles: [{ role: 'operator', scope: '320803001' }] });
      const response = await attempt('li.na', TEST_PASSWORD);
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        token: expect.stringMatching(/^glus_[A-Za-z0-9_-]{43}$/),
        expires_at: new Date(clock().getTime() + 12 * HOUR).toISOString(),
        user: {
          id: user.id,
          username: 'li.na',
          display_name: 'Test li.na',
          territory_code: '320803',
          active: true,
          created_at: user.created_at,
          roles: [{ role: 'operator', scope: '320803001' }],
        },
      });
      const { rows } = await cloud().db.query<{ token_sha256: string }>(
        'SELECT token_sha256 FROM user_sessions WHERE user_id = $1',
        [user.id],
      );
      expect(rows).toEqual([{ token_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    });

    it('takes the username in any case', async () => {
      await createUser(cloud(), 'zhou.min');
      expect((await attempt('Zhou.Min', TEST_PASSWORD)).status).toBe(201);
    });

    it('answers a wrong password and an unknown user with the same 401 problem', async () => {
      await createUser(cloud(), 'wang.fang');
      const wrongPassword = await attempt('wang.fang', 'not the password at all');
      const unknownUser = await attempt('nobody.here', TEST_PASSWORD);
      for (const response of [wrongPassword, unknownUser]) {
        expect(response.status).toBe(401);
        expect(response.contentType).toMatch(/^application\/problem\+json/);
        expect(response.body).toEqual({
          type: 'urn:gridlink:problem:GL_LOGIN_FAILED',
          title: '登录失败',
          status: 401,
          detail: '用户名或密码错误',
          code: 'GL_LOGIN_FAILED',
          instance: '/api/v1/sessions',
        });
      }
    });

    it('refuses a deactivated user with the same problem', async () => {
      const user = await createUser(cloud(), 'gone.user');
      const patched = await api(cloud(), 'PATCH', `/api/v1/users/${user.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { active: false },
      });
      expect(patched.status).toBe(200);
      expect((await attempt('gone.user', TEST_PASSWORD)).body.code).toBe('GL_LOGIN_FAILED');
    });

    it('validates the body', async () => {
      const response = await api(cloud(), 'POST', '/api/v1/sessions', { body: { username: 'x' } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('GL_VALIDATION_FAILED');
    });
  });

  describe('throttle', () => {
    it('locks a username for 5 minutes after 5 failures, even for the right password, then unlocks', async () => {
      await createUser(cloud(), 'chen.jie');
      for (let i = 0; i < 5; i++) expect((await attempt('chen.jie', `wrong password ${i}`)).status).toBe(401);
      const locked = await attempt('chen.jie', TEST_PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('GL_LOGIN_THROTTLED');
      expect(locked.headers.get('retry-after')).toBe('300');

      clock.advance(5 * 60_000 - 1000);
      expect((await attempt('chen.jie', TEST_PASSWORD)).headers.get('retry-after')).toBe('1');
      clock.advance(1000);
      expect((await attempt('chen.jie', TEST_PASSWORD)).status).toBe(201);
    });

    it('locks unknown usernames the same way, so a lock reveals nothing', async () => {
      for (let i = 0; i < 5; i++) expect((await attempt('ghost.user', 'wrong password')).status).toBe(401);
      expect((await attempt('ghost.user', 'wrong password')).status).toBe(429);
    });

    it('forgets failures older than the window, and a success clears the count', async () => {
      await createUser(cloud(), 'sun.li');
      for (let i = 0; i < 4; i++) await attempt('sun.li', 'wrong password');
      clock.advance(15 * 60_000);
      for (let i = 0; i < 4; i++) expect((await attempt('sun.li', 'wrong password')).status).toBe(401);
      expect((await attempt('sun.li', TEST_PASSWORD)).status).toBe(201);
      for (let i = 0; i < 4; i++) expect((await attempt('sun.li', 'wrong password')).status).toBe(401);
      expect((await attempt('sun.li', TEST_PASSWORD)).status).toBe(201);
    });
  });

  describe('a session', () => {
    it('slides its idle expiry (12 h) with use and ends 12 h after the last use', async () => {
      await createUser(cloud(), 'he.ping');
      const token = await login(cloud(), 'he.ping');
      clock.advance(11 * HOUR);
      expect((await me(token)).status).toBe(200);
      clock.advance(11 * HOUR);
      expect((await me(token)).status).toBe(200);
      clock.advance(12 * HOUR);
      const expired = await me(token);
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('GL_UNAUTHENTICATED');
    });

    it('ends 7 days after the login however much it is used or refreshed', async () => {
      await createUser(cloud(), 'ma.jun');
      let token = await login(cloud(), 'ma.jun');
      const loggedInAt = clock().getTime();
      for (let day = 0; day < 13; day++) {
        clock.advance(11 * HOUR);
        const refreshed = await api<{ token: string; expires_at: string }>(
          cloud(),
          'POST',
          '/api/v1/sessions/refresh',
          {
            token,
          },
        );
        expect(refreshed.status).toBe(200);
        token = refreshed.body.token;
        expect(new Date(refreshed.body.expires_at).getTime()).toBeLessThanOrEqual(loggedInAt + 7 * 24 * HOUR);
      }
      clock.advance(loggedInAt + 7 * 24 * HOUR - clock().getTime());
      expect((await me(token)).status).toBe(401);
    });

    it('is rotated by a refresh: the new token works, the old one stops at once', async () => {
      const user = await createUser(cloud(), 'lu.yan');
      const old = await login(cloud(), 'lu.yan');
      const refreshed = await api<{ token: string; user: { id: string } }>(
        cloud(),
        'POST',
        '/api/v1/sessions/refresh',
        {
          token: old,
        },
      );
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.token).not.toBe(old);
      expect(refreshed.body.user.id).toBe(user.id);
      expect((await me(refreshed.body.token)).status).toBe(200);
      expect((await me(old)).status).toBe(401);
      expect((await api(cloud(), 'POST', '/api/v1/sessions/refresh', { token: old })).status).toBe(401);
    });

    it('ends at logout', async () => {
      await createUser(cloud(), 'xu.bo');
      const token = await login(cloud(), 'xu.bo');
      const other = await login(cloud(), 'xu.bo');
      const logout = await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token });
      expect(logout.status).toBe(204);
      expect((await me(token)).status).toBe(401);
      expect((await me(other)).status).toBe(200);
      expect((await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token })).status).toBe(401);
    });

    it('is not the admin token, and the admin token is not a session', async () => {
      expect((await me(TEST_ADMIN_TOKEN)).status).toBe(401);
      expect((await api(cloud(), 'GET', '/api/v1/me')).headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  it('GET /me shows the user, their roles and what they may see', async () => {
    await createUser(cloud(), 'zhao.lei', {
      roles: [
        { role: 'grid_worker', scope: '320803001001003' },
        { role: 'grid_worker', scope: '320803001001004' },
      ],
    });
    const response = await me(await login(cloud(), 'zhao.lei'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      username: 'zhao.lei',
      roles: [
        { role: 'grid_worker', scope: '320803001001003' },
        { role: 'grid_worker', scope: '320803001001004' },
      ],
      scope: {
        territoryPrefixes: [],
        gridCodes: ['320803001001003', '320803001001004'],
        communityCodes: [],
        disposalUnitIds: [],
        gatewayIds: [],
        closedIncidentPrefixes: [],
      },
    });
    expect(response.body).not.toHaveProperty('password_hash');
  });
});
