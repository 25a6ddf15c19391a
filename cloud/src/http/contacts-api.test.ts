import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleAssignment } from '../people/roles.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const GRID = '320803001001001';
const WEBHOOK = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-webhook-key';
const DINGTALK_WEBHOOK = 'https://oapi.dingtalk.com/robot/send?access_token=very-secret-access-token';
const SECRET = 'SEC-very-secret-signing-key';

/** Who is who: `worker` belongs to community 320803001001 (street 320803001, district 320803). */
const PEOPLE: Record<string, { roles: RoleAssignment[]; territory: string }> = {
  worker: { roles: [{ role: 'grid_worker', scope: GRID }], territory: '320803001001' },
  'other-worker': { roles: [{ role: 'grid_worker', scope: '320803001001002' }], territory: '320803001001' },
  'district-admin': { roles: [{ role: 'district_admin', scope: '320803' }], territory: '320803' },
  'street-admin': { roles: [{ role: 'district_admin', scope: '320803001' }], territory: '320803001' },
  'other-street-admin': { roles: [{ role: 'district_admin', scope: '320803002' }], territory: '320803002' },
  'other-district-admin': { roles: [{ role: 'district_admin', scope: '320804' }], territory: '320804' },
  operator: { roles: [{ role: 'operator', scope: '320803001' }], territory: '320803001' },
  property: { roles: [{ role: 'property_manager', scope: '320803001001' }], territory: '320803001001' },
  unit: { roles: [{ role: 'disposal_unit', scope: 'unit-gas' }], territory: '320803001' },
  'other-unit': { roles: [{ role: 'disposal_unit', scope: 'unit-water' }], territory: '320803001' },
  callback: { roles: [{ role: 'callback_agent', scope: '320803' }], territory: '320803' },
};
type Who = keyof typeof PEOPLE | 'admin-token';
const EVERYONE = [...Object.keys(PEOPLE), 'admin-token'] as Who[];

/**
 * Users' phone contacts and disposal units' robots: each role against each route, refusals
 * included. A contact is the user's own and their territory's admins'; a unit's robots are its
 * territory's admins' to change and its own users' to read. Numbers and secrets stay out of the
 * audit log, and robot secrets out of every answer.
 */
describe.each(BACKENDS)('contacts and disposal-unit robots API (%s)', (backend) => {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Partial<Record<Who, string>> = { 'admin-token': TEST_ADMIN_TOKEN };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const id of ['unit-gas', 'unit-water']) {
      const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
        token: TEST_ADMIN_TOKEN,
        body: { id, name_zh: id, name_en: id, unit_type: 'gas_company', territory_code: '320803001' },
      });
      expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    }
    for (const [name, { roles, territory }] of Object.entries(PEOPLE)) {
      const { user, token } = await signedIn(cloud(), `${backend}-${name}`, roles, territory);
      tokens[name as Who] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  // Read in English: the refusals and field errors are asserted as English text.
  const call = <T = Record<string, unknown>>(who: Who | undefined, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, path, {
      ...(who === undefined ? {} : { token: tokens[who] as string }),
      ...(body === undefined ? {} : { body }),
      headers: { 'accept-language': 'en' },
    });

  describe('a user’s phone contact', () => {
    const path = () => `/api/v1/users/${ids.worker}/contact`;
    /** The user, the admin token and the admins over the user's territory; nobody else. */
    const KEEPERS: Who[] = ['worker', 'admin-token', 'district-admin', 'street-admin'];

    it('refuses it without a token (401) and answers an unknown user with 404', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await call(undefined, method, path(), method === 'PUT' ? { phone: '13800000001' } : undefined);
        expect(response.status, method).toBe(401);
      }
      expect((await call('admin-token', 'GET', '/api/v1/users/no-such-user/contact')).body).toMatchObject({
        status: 404,
        code: 'GL_USER_NOT_FOUND',
      });
    });

    it('lets the user and the admins over their territory set, read and remove it; everyone else 403', async () => {
      for (const who of EVERYONE) {
        const put = await call(who, 'PUT', path(), { phone: '+86 138-0000-0001' });
        const get = await call(who, 'GET', path());
        const del = await call(who, 'DELETE', path());
        if (KEEPERS.includes(who)) {
          expect(put.status, `${who} PUT`).toBe(200);
          expect(put.body).toMatchObject({ user_id: ids.worker, phone: '13800000001' });
          expect(get.status, `${who} GET`).toBe(200);
          expect(get.body).toMatchObject({ phone: '13800000001' });
          expect(del.status, `${who} DELETE`).toBe(204);
        } else {
          for (const [method, response] of [
            ['PUT', put],
            ['GET', get],
            ['DELETE', del],
          ] as const) {
            expect(response.status, `${who} ${method}`).toBe(403);
            expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
          }
        }
      }
      expect((await call('worker', 'GET', path())).status).toBe(404);
      expect((await call('worker', 'DELETE', path())).status).toBe(404);
    });

    it('refuses a number SMS cannot reach, naming the field and the format', async () => {
      const response = await call('worker', 'PUT', path(), { phone: '025-8888-1234' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        code: 'GL_VALIDATION_FAILED',
        errors: [{ pointer: '/phone', detail: expect.stringContaining('mainland China mobile number') }],
      });
      expect((await call('worker', 'PUT', path(), { phone: '13900000002', email: 'x' })).body).toMatchObject({
        errors: [{ pointer: '/email', detail: 'unexpected field' }],
      });
    });

    it('is the number SMS notifications go to, and the audit log records who read and changed it, never the number', async () => {
      expect((await call('worker', 'PUT', path(), { phone: '13900000002' })).status).toBe(200);
      expect(await cloud().dispatch.store.phoneOf(ids.worker as string)).toBe('13900000002');
      await call('district-admin', 'GET', path());
      const { rows } = await cloud().db.query<{ actor: string; action: string; details: unknown }>(
        'SELECT actor, action, details FROM audit_log WHERE target = $1 ORDER BY id',
        [`contact:${ids.worker}`],
      );
      expect(rows).toContainEqual(expect.objectContaining({ actor: `user:${ids.worker}`, action: 'contact.set' }));
      expect(rows).toContainEqual(
        expect.objectContaining({ actor: `user:${ids['district-admin']}`, action: 'contact.view' }),
      );
      expect(rows).toContainEqual(expect.objectContaining({ actor: 'admin', action: 'contact.remove' }));
      expect(JSON.stringify(rows)).not.toMatch(/1[3-9]\d{9}/);
    });
  });

  describe('a disposal unit’s robots', () => {
    const path = '/api/v1/disposal-units/unit-gas/robots';
    /** Admins over the unit's territory (street 320803001) change them; its own users read them. */
    const CHANGERS: Who[] = ['admin-token', 'district-admin', 'street-admin'];
    const READERS: Who[] = [...CHANGERS, 'unit'];

    it('refuses them without a token (401) and answers an unknown unit with 404', async () => {
      expect((await call(undefined, 'GET', path)).status).toBe(401);
      expect((await call(undefined, 'PUT', path, { robots: [] })).status).toBe(401);
      expect((await call('admin-token', 'GET', '/api/v1/disposal-units/unit-none/robots')).body).toMatchObject({
        status: 404,
        code: 'GL_DISPOSAL_UNIT_NOT_FOUND',
      });
    });

    it('lets the admins over the unit change them and its users read them; everyone else 403', async () => {
      for (const who of EVERYONE) {
        const get = await call(who, 'GET', path);
        expect(get.status, `${who} GET`).toBe(READERS.includes(who) ? 200 : 403);
        const put = await call(who, 'PUT', path, {
          robots: [{ name: 'dispatch', kind: 'dingtalk', webhook: DINGTALK_WEBHOOK, secret: SECRET }],
        });
        expect(put.status, `${who} PUT`).toBe(CHANGERS.includes(who) ? 200 : 403);
        if (put.status === 403) expect(put.body).toMatchObject({ code: 'GL_FORBIDDEN' });
      }
    });

    it('keeps webhooks and secrets write-only: answers, refusals and the audit log never carry them', async () => {
      const put = await call('street-admin', 'PUT', path, {
        robots: [
          { name: 'dispatch', kind: 'dingtalk' },
          { name: 'night', kind: 'wecom', webhook: WEBHOOK },
        ],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual({
        disposal_unit: 'unit-gas',
        robots: [
          { name: 'dispatch', kind: 'dingtalk', webhook_set: true, secret_set: true, updated_at: expect.any(String) },
          { name: 'night', kind: 'wecom', webhook_set: true, secret_set: false, updated_at: expect.any(String) },
        ],
      });
      expect(await cloud().dispatch.store.robots({ kind: 'disposal_unit', id: 'unit-gas' })).toContainEqual({
        name: 'dispatch',
        kind: 'dingtalk',
        webhook: DINGTALK_WEBHOOK,
        secret: SECRET,
      });
      const missing = await call('street-admin', 'PUT', path, { robots: [{ name: 'new', kind: 'wecom' }] });
      expect(missing.body).toMatchObject({ status: 400, errors: [{ pointer: '/robots/0/webhook' }] });
      const malformed = await call('street-admin', 'PUT', path, {
        robots: [{ name: 'bad', kind: 'wecom', webhook: 'ftp://very-secret-webhook-key' }],
      });
      expect(malformed.body).toMatchObject({ status: 400, errors: [{ pointer: '/robots/0/webhook' }] });
      const read = await call('unit', 'GET', path);
      // The unit's own record and its robots' (before and after, as the API shows them).
      const { rows } = await cloud().db.query('SELECT details FROM audit_log WHERE target = ANY($1::text[])', [
        ['disposal_unit:unit-gas', 'robots:disposal_unit:unit-gas'],
      ]);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const body of [put.body, missing.body, malformed.body, read.body, ...rows]) {
        expect(JSON.stringify(body)).not.toContain('very-secret');
      }
    });

    it('attack: a unit robot aimed at the cloud’s loopback, the metadata address or a private network (SSRF) is refused at PUT, naming the field and the fix', async () => {
      // A real loopback port, as an attacker would aim at a service beside the cloud.
      const inside = createServer((_req, res) => res.end('{"errcode":0}'));
      await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
      const port = (inside.address() as AddressInfo).port;
      const before = await cloud().dispatch.store.robots({ kind: 'disposal_unit', id: 'unit-gas' });
      try {
        for (const [kind, webhook, fix] of [
          ['wecom', `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=very-secret-k`, /robots\.allowed_hosts/],
          ['wecom', 'http://169.254.169.254/latest/meta-data/?key=very-secret-k', /robots\.allowed_hosts/],
          ['dingtalk', 'https://10.0.0.5/robot/send?access_token=very-secret-k', /https:\/\/oapi\.dingtalk\.com\//],
          ['wecom', 'http://[::1]:8080/?key=very-secret-k', /https:\/\/qyapi\.weixin\.qq\.com\//],
          ['wecom', 'https://localhost/cgi-bin/webhook/send?key=very-secret-k', /robots\.allowed_hosts/],
          ['wecom', 'https://qyapi.weixin.qq.com.evil.example/send?key=very-secret-k', /robots\.allowed_hosts/],
          ['wecom', 'http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-k', /not http/],
          ['wecom', 'https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=very-secret-k', /without a port/],
          ['wecom', 'https://very-secret-u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send', /user name or password/],
          ['wecom', DINGTALK_WEBHOOK, /https:\/\/qyapi\.weixin\.qq\.com\//],
        ] as const) {
          const put = await call('street-admin', 'PUT', path, { robots: [{ name: 'night', kind, webhook }] });
          expect(put.status, webhook).toBe(400);
          expect(put.body, webhook).toMatchObject({
            code: 'GL_VALIDATION_FAILED',
            errors: [{ pointer: '/robots/0/webhook', detail: expect.stringMatching(fix) }],
          });
          expect(JSON.stringify(put.body)).not.toContain('very-secret');
        }
        expect(await cloud().dispatch.store.robots({ kind: 'disposal_unit', id: 'unit-gas' })).toEqual(before);
      } finally {
        await new Promise<void>((resolve) => inside.close(() => resolve()));
      }
    });
  });
});
