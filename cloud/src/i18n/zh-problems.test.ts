import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { type ApiResponse, api, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { CATALOGUE } from './catalogue.js';
import { englishWords } from './english-words.js';

interface ProblemBody {
  code: string;
  title: string;
  detail: string;
  errors?: Array<{ detail: string; pointer?: string; parameter?: string }>;
}

describe('the rules of the request schemas', () => {
  it('state each schema rule in one message: no two rules share their English', () => {
    const rules = Object.entries(CATALOGUE).filter(([code]) => code.startsWith('check.'));
    expect(new Set(rules.map(([, template]) => template.en)).size).toBe(rules.length);
  });
});

/**
 * The problems the HTTP API answers, read in zh-CN (the default): people, settings, gateways,
 * sign-in and the field errors of request validation carry no English words beyond names and
 * codes, and the same requests read in English when asked, with the same problem codes.
 */
describe('problem details in the Chinese interface', () => {
  const cloud = useTestCloud('pglite');
  let streetAdmin = '';
  let worker = '';
  let gatewayId = '';

  beforeAll(async () => {
    streetAdmin = (await signedIn(cloud(), 'zhp-admin-1', [{ role: 'district_admin', scope: '320803001' }])).token;
    worker = (await signedIn(cloud(), 'zhp-worker-1', [{ role: 'grid_worker', scope: '320803001001002' }])).token;
    gatewayId = 'gw-zhp-1';
    await registerGateway(cloud(), gatewayId);
  }, 30_000);

  /** Failing requests, each answered with a problem; `language` as the reader's Accept-Language. */
  const failing = async (language?: string): Promise<Record<string, ApiResponse<ProblemBody>>> => {
    const headers: Record<string, string> = language === undefined ? {} : { 'accept-language': language };
    const call = (method: string, path: string, options: Parameters<typeof api>[3] = {}) =>
      api<ProblemBody>(cloud(), method, path, { ...options, headers: { ...headers, ...options.headers } });
    return {
      'user: invalid fields': await call('POST', '/api/v1/users', {
        token: TEST_ADMIN_TOKEN,
        body: { username: 'A', display_name: '', territory_code: 12, password: '12345678', roles: [], extra: 1 },
      }),
      'user: weak password': await call('POST', '/api/v1/users', {
        token: TEST_ADMIN_TOKEN,
        body: { username: 'zhp-weak-1', display_name: '弱密码', territory_code: '320803', password: '111111111111' },
      }),
      'user: outside territory': await call('POST', '/api/v1/users', {
        token: streetAdmin,
        body: {
          username: 'zhp-far-1',
          display_name: '外区',
          territory_code: '320804',
          password: '甲乙丙丁戊己庚辛壬癸子丑',
        },
      }),
      'user: role scope': await call('POST', '/api/v1/users', {
        token: TEST_ADMIN_TOKEN,
        body: {
          username: 'zhp-scope-1',
          display_name: '范围',
          territory_code: '320803',
          password: '甲乙丙丁戊己庚辛壬癸子丑',
          roles: [{ role: 'grid_worker', scope: '3208' }],
        },
      }),
      'user: unknown': await call('PATCH', '/api/v1/users/u-0000', { token: TEST_ADMIN_TOKEN, body: {} }),
      'users: territory parameter': await call('GET', '/api/v1/users?territory=320', { token: TEST_ADMIN_TOKEN }),
      'settings: read by a grid worker': await call('GET', '/api/v1/settings/deadlines', { token: worker }),
      'settings: changed by a street admin': await call('PUT', '/api/v1/settings/sessions', {
        token: streetAdmin,
        body: {},
      }),
      'settings: invalid body': await call('PUT', '/api/v1/settings/kpis', {
        token: TEST_ADMIN_TOKEN,
        body: { weights: [1, 2], wieghts: 3 },
      }),
      'gateway: invalid fields': await call('POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: 5, name: true },
      }),
      'gateway: exists': await call('POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: gatewayId, name: '一号网关' },
      }),
      'gateway: no token': await call('POST', '/api/v1/gateways', { body: { id: 'gw-zhp-2', name: '二号网关' } }),
      'gateway: unknown': await call('POST', '/api/v1/gateways/gw-zhp-9/token', { token: TEST_ADMIN_TOKEN }),
      'login: invalid body': await call('POST', '/api/v1/sessions', { body: { username: 7 } }),
      'login: wrong password': await call('POST', '/api/v1/sessions', {
        body: { username: 'zhp-admin-1', password: '错误的密码错误的密码' },
      }),
      'body: not JSON': await call('POST', '/api/v1/users', { token: TEST_ADMIN_TOKEN, rawBody: '{' }),
      'kpis: invalid query': await call('GET', '/api/v1/kpis?from=2026&to=1&group_by=9', { token: streetAdmin }),
    };
  };

  it('writes title, detail and field errors without English words', async () => {
    const answers = await failing();
    const english: Record<string, string[]> = {};
    for (const [request, { status, body }] of Object.entries(answers)) {
      expect(status, `${request}: ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      const texts = [body.title, body.detail, ...(body.errors ?? []).map((error) => error.detail)];
      // A value quoted as sent ("grid", "district") is a code the API takes, not a word.
      const words = texts.flatMap((text) => englishWords(text.replace(/"[^"]*"/g, '')));
      if (words.length > 0) english[request] = [...texts, ...words];
    }
    expect(english).toEqual({});
    // The field errors keep their JSON Pointers and say what was expected in Chinese.
    expect(answers['gateway: invalid fields']?.body.errors).toEqual(
      expect.arrayContaining([{ pointer: '/id', detail: '应为字符串，收到的是数字 5' }]),
    );
    expect(answers['user: invalid fields']?.body.errors).toEqual(
      expect.arrayContaining([{ pointer: '/extra', detail: '不应有此字段' }]),
    );
  });

  it('answers the same requests in English when asked, with the same codes', async () => {
    const [zh, en] = [await failing(), await failing('en')];
    for (const request of Object.keys(zh)) expect(en[request]?.body.code, request).toBe(zh[request]?.body.code);
    expect(en['gateway: invalid fields']?.body.errors).toEqual(
      expect.arrayContaining([{ pointer: '/id', detail: 'expected string, received number 5' }]),
    );
    expect(en['user: invalid fields']?.body.errors).toEqual(
      expect.arrayContaining([{ pointer: '/extra', detail: 'unexpected field' }]),
    );
    expect(en['settings: read by a grid worker']?.body.detail).toMatch(/^reading the deadline settings needs the role/);
    expect(en['user: unknown']?.body.detail).toBe('no user u-0000');
  });
});
