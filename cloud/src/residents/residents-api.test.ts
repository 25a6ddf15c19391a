import { randomBytes } from 'node:crypto';
import type { ResidentReportReceipt, ResidentTracking } from '@gridlink/protocol';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SmsProvider } from '../notify/sms.js';
import { ApiTokenStore } from '../people/api-tokens.js';
import { auditOf } from '../people/audit.js';
import { createUser, login, signedIn } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

type Problem = { code: string; detail: string; errors?: { pointer?: string; detail: string }[] };

/** A JPEG's first bytes, then random ones: every call a different photo. */
const photo = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);
const HOUR = 3600_000;
const IN_GRID_1 = { lon: 119.141, lat: 33.502, accuracy_m: 15 };

/** The SMS a test provider was asked to send. */
function capturingSms() {
  const sent: Array<{ phone: string; text: string }> = [];
  const provider: SmsProvider = {
    send: async (phone, text) => {
      sent.push({ phone, text });
    },
  };
  return {
    sent,
    provider,
    codeFor: (phone: string) => /(\d{6})/.exec(sent.filter((s) => s.phone === phone).at(-1)?.text ?? '')?.[1] ?? '',
  };
}

/**
 * Residents report without an account: anonymously or with a phone confirmed by SMS, in the grid
 * their position lies in; every limit refuses with a problem naming it and when to retry; a
 * tracking code shows the report (and nothing else) and takes one rating once it is closed.
 */
describe.each(BACKENDS)('resident reports and Open311 (%s)', (backend) => {
  const clock = manualClock('2026-12-07T01:00:00.000Z');
  const sms = capturingSms();
  const cloud = useTestCloud(backend, { clock, smsProvider: sms.provider, dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let apiKey = '';
  let requestNo = 0;

  const post = <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
    api<T>(cloud(), 'POST', `/api/v1${path}`, { body, headers });
  const upload = async (bytes: Buffer) => {
    const response = await fetch(`${cloud().url}/api/v1/residents/photos`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const report = (fields: Record<string, unknown> = {}) =>
    post<ResidentReportReceipt & Problem>('/residents/reports', {
      request_id: `request-${++requestNo}-${backend}`,
      category: 'other',
      description: '小区东门路灯不亮了，晚上很黑',
      position: IN_GRID_1,
      contact: { kind: 'anonymous' },
      ...fields,
    });
  /** A position of its own for each report, inside grid 1, so the per-place limit stays out of the way. */
  const spot = (n: number) => ({
    lon: 119.1404 + (n % 6) * 0.001,
    lat: 33.5004 + (Math.floor(n / 6) % 4) * 0.001,
    accuracy_m: 10,
  });
  const track = (code: string) => api<ResidentTracking & Problem>(cloud(), 'GET', `/api/v1/residents/track/${code}`);
  const act = (who: string, incident: string, action: string, extra: Record<string, unknown> = {}) =>
    api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who] as string,
      body: { action, request_id: `${incident}-${action}-${who}`, ...extra },
    });
  const incidentOf = async (code: string) => {
    const { rows } = await cloud().db.query<{ incident_id: string }>(
      "SELECT incident_id FROM resident_reports WHERE tracking_sha256 = encode(sha256(convert_to('gridlink tracking ' || $1, 'UTF8')), 'hex')",
      [code],
    );
    return rows[0]?.incident_id as string;
  };

  beforeAll(async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    const cast = {
      operator: [{ role: 'operator', scope: FIXTURE.street }],
      worker: [{ role: 'grid_worker', scope: FIXTURE.grids[0] }],
      callback: [{ role: 'callback_agent', scope: FIXTURE.street }],
      property: [{ role: 'property_manager', scope: '320803002001' }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const { user, token } = await signedIn(cloud(), `${backend}-res-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    const app = await createUser(cloud(), `${backend}-res-open311-app`, { roles: [] });
    apiKey = (await new ApiTokenStore(cloud().db, clock).create({ kind: 'admin' }, app.id, { name: 'open311 app' }))
      .token;
  }, 60_000);

  // Every test starts with full budgets (an hour and more has passed), and so with new sessions.
  beforeEach(async () => {
    clock.advance(2 * HOUR);
    for (const name of Object.keys(ids)) tokens[name] = await login(cloud(), `${backend}-res-${name}`);
  });

  it('lists only what residents may report and the communities, without an account', async () => {
    const categories = await api<{ categories: Array<{ code: string }> }>(
      cloud(),
      'GET',
      '/api/v1/residents/categories',
    );
    expect(categories.status).toBe(200);
    const codes = categories.body.categories.map((c) => c.code);
    expect(codes).toContain('other');
    // Limited to other sources: not offered, and refused when sent anyway.
    expect(codes).not.toContain('urban_management.exposed_garbage');
    const refused = await report({ category: 'urban_management.exposed_garbage' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.pointer).toBe('/category');
    const communities = await api<{ communities: Array<{ code: string }>; sms: boolean }>(
      cloud(),
      'GET',
      '/api/v1/residents/communities',
    );
    expect(communities.body.communities.map((c) => c.code)).toContain(FIXTURE.community);
    expect(communities.body.sms).toBe(true);
  });

  it('files an anonymous report with a photo in the grid of its position, and tracks it by code alone', async () => {
    const uploaded = await upload(photo());
    expect(uploaded.status).toBe(201);
    const filed = await report({ photos: [uploaded.body.id], position: spot(1) });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.tracking_code).toMatch(/^[2-9A-HJ-KM-NP-Z]{10}$/);
    expect(filed.body.sms_sent).toBe(false);
    const incident = await incidentOf(filed.body.tracking_code);
    const detail = await api<{ incident: Record<string, unknown> }>(cloud(), 'GET', `/api/v1/incidents/${incident}`, {
      token: tokens.operator as string,
    });
    expect(detail.body.incident, JSON.stringify(detail.body.incident)).toMatchObject({
      state: 'REPORTED',
      source: 'resident',
      categoryCode: 'other',
    });
    expect(JSON.stringify(detail.body.incident)).toContain(FIXTURE.grids[0]);
    const files = await api<{ attachments: unknown[] }>(cloud(), 'GET', `/api/v1/incidents/${incident}/attachments`, {
      token: tokens.operator as string,
    });
    expect(files.body.attachments).toHaveLength(1);

    const tracked = await track(filed.body.tracking_code.toLowerCase());
    expect(tracked.status).toBe(200);
    expect(tracked.body).toMatchObject({ status: 'received', result: null, rating: null, can_rate: false });
    // Nothing of the incident's id or of anybody.
    expect(JSON.stringify(tracked.body)).not.toContain(incident);
    const staff = await api(cloud(), 'GET', `/api/v1/residents/incidents/${incident}`, {
      token: tokens.operator as string,
    });
    expect(staff.body).toMatchObject({ channel: 'web', anonymous: true, phone: null });
  });

  it('answers not found alike for unknown, malformed and others’ codes', async () => {
    const unknown = await track('ABCDEFGHJK');
    const malformed = await track('not-a-code');
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(404);
    expect(unknown.body.detail).toBe(malformed.body.detail);
    expect(
      (
        await api(cloud(), 'POST', '/api/v1/residents/track/ABCDEFGHJK/rating', {
          body: { satisfaction: 'satisfied', solved: true },
        })
      ).status,
    ).toBe(404);
  });

  it('needs the right SMS code, within five minutes and five tries, and seals the phone', async () => {
    const phone = '13812341234';
    expect((await post('/residents/phone-codes', { phone: '12345' })).status).toBe(400);
    expect((await post('/residents/phone-codes', { phone })).status).toBe(202);
    const again = await post<Problem>('/residents/phone-codes', { phone });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('60');
    const code = sms.codeFor(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const mistyped = await report({ position: spot(2), contact: { kind: 'phone', phone, code: wrong } });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body).toMatchObject({ code: 'GL_RESIDENT_CODE_REFUSED', errors: [{ pointer: '/contact/code' }] });
    clock.advance(301_000);
    const expired = await report({ position: spot(2), contact: { kind: 'phone', phone, code } });
    expect(expired.body.code).toBe('GL_RESIDENT_CODE_REFUSED');
    expect(expired.body.detail).toMatch(/过期/);

    expect((await post('/residents/phone-codes', { phone })).status).toBe(202);
    const fresh = sms.codeFor(phone);
    const filed = await report({ position: spot(3), contact: { kind: 'phone', phone, code: fresh } });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.sms_sent).toBe(true);
    expect(sms.sent.at(-1)?.text).toContain(filed.body.tracking_code);
    // Used up: the same code does not confirm a second report.
    expect((await report({ position: spot(4), contact: { kind: 'phone', phone, code: fresh } })).status).toBe(400);

    const incident = await incidentOf(filed.body.tracking_code);
    const { rows } = await cloud().db.query<{ phone_sealed: string }>(
      'SELECT phone_sealed FROM resident_reports WHERE incident_id = $1',
      [incident],
    );
    expect(rows[0]?.phone_sealed).not.toContain('1234');
    const staff = await api(cloud(), 'GET', `/api/v1/residents/incidents/${incident}`, {
      token: tokens.operator as string,
    });
    expect(staff.body).toMatchObject({ phone: '138****1234', anonymous: false });
    expect(
      (await api(cloud(), 'GET', `/api/v1/residents/incidents/${incident}`, { token: tokens.property as string }))
        .status,
    ).toBe(404);
    const revealed = await api(cloud(), 'POST', `/api/v1/residents/incidents/${incident}/reveal`, {
      token: tokens.operator as string,
    });
    expect(revealed.body).toEqual({ phone });
    expect((await auditOf(cloud().db, `incident:${incident}`)).map((r) => r.action)).toContain(
      'resident_report.phone.reveal',
    );
  });

  it('refuses a sixth try of a code', async () => {
    const phone = '13900001111';
    await post('/residents/phone-codes', { phone });
    const code = sms.codeFor(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      expect((await report({ position: spot(5), contact: { kind: 'phone', phone, code: wrong } })).body.code).toBe(
        'GL_RESIDENT_CODE_REFUSED',
      );
    const sixth = await report({ position: spot(5), contact: { kind: 'phone', phone, code } });
    expect(sixth.status).toBe(400);
    expect(sixth.body.detail).toMatch(/5 次/);
  });

  it('limits a phone to five reports an hour, naming the limit and when to retry', async () => {
    const phone = '13700002222';
    for (let n = 0; n < 5; n++) {
      clock.advance(61_000);
      await post('/residents/phone-codes', { phone });
      const filed = await report({
        position: spot(20 + n),
        contact: { kind: 'phone', phone, code: sms.codeFor(phone) },
      });
      expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    }
    clock.advance(61_000);
    await post('/residents/phone-codes', { phone });
    const sixth = await report({ position: spot(30), contact: { kind: 'phone', phone, code: sms.codeFor(phone) } });
    expect(sixth.status, JSON.stringify(sixth.body)).toBe(429);
    expect(sixth.body.code).toBe('GL_RESIDENT_LIMITED');
    expect(sixth.body.detail).toMatch(/手机号/);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits one place, then one source address (token bucket)', async () => {
    for (let n = 0; n < 5; n++) expect((await report({ position: spot(40) })).status).toBe(201);
    const place = await report({ position: spot(40) });
    expect(place.status, JSON.stringify(place.body)).toBe(429);
    expect(place.body.detail).toMatch(/同一地点/);
    expect(place.headers.get('retry-after')).toBe('3600');
    // The address bucket (10) has 4 left after those 6 claims.
    for (let n = 0; n < 4; n++) expect((await report({ position: spot(50 + n) })).status).toBe(201);
    const address = await report({ position: spot(60) });
    expect(address.status).toBe(429);
    expect(address.body.detail).toMatch(/本网络/);
    expect(address.headers.get('retry-after')).toBe('360');
  });

  it('refuses the same photo sent too often, saying so', async () => {
    const same = photo();
    for (let n = 0; n < 3; n++) expect((await upload(same)).status).toBe(201);
    const fourth = await upload(same);
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ code: 'GL_RESIDENT_DUPLICATE_PHOTO' });
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await upload(Buffer.from('not a photo at all'))).status).toBe(415);
  });

  it('shows the result once closed and takes one rating, applied to the waiting callback', async () => {
    const filed = await report({ position: IN_GRID_1 });
    const code = filed.body.tracking_code;
    const incident = await incidentOf(code);
    for (const [who, action, extra] of [
      ['operator', 'accept', {}],
      ['operator', 'file', {}],
      ['operator', 'dispatch', { data: { assignee: ids.worker } }],
      ['worker', 'sign', {}],
    ] as const) {
      const done = await act(who, incident, action, extra);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
    }
    expect((await track(code)).body.status).toBe('being_handled');
    const result = await fetch(`${cloud().url}/api/v1/incidents/${incident}/attachments?tag=after`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.worker}`, 'content-type': 'image/jpeg' },
      body: photo(),
    });
    const stored = (await result.json()) as { id: string };
    const finished = await act('worker', incident, 'finish', {
      comment: '已更换灯泡',
      attachments: [{ id: stored.id, tag: 'after' }],
    });
    expect(finished.status, JSON.stringify(finished.body)).toBe(200);
    expect((await track(code)).body).toMatchObject({ status: 'handled', result: null });
    expect((await post(`/residents/track/${code}/rating`, { satisfaction: 'satisfied', solved: true })).status).toBe(
      409,
    );
    for (const action of ['startCheck', 'pass', 'close'])
      expect((await act('operator', incident, action)).status).toBe(200);

    const closed = await track(code);
    expect(closed.body).toMatchObject({ status: 'closed', can_rate: true, result: { text: '已更换灯泡' } });
    expect(closed.body.steps.every((step) => step.at !== null)).toBe(true);
    const image = await fetch(`${cloud().url}${closed.body.result?.photos[0]?.url}`);
    expect(image.status).toBe(200);
    expect(JSON.stringify(closed.body)).not.toMatch(new RegExp(`${incident}|Test `));

    const rated = await post(`/residents/track/${code}/rating`, {
      satisfaction: 'basically_satisfied',
      solved: true,
      note: '很快',
    });
    expect(rated.status, JSON.stringify(rated.body)).toBe(201);
    expect(rated.body).toMatchObject({ applied: 'callback' });
    expect((await post(`/residents/track/${code}/rating`, { satisfaction: 'unsatisfied', solved: false })).status).toBe(
      409,
    );
    const after = await api<{ incident: { state: string } }>(cloud(), 'GET', `/api/v1/incidents/${incident}`, {
      token: tokens.operator as string,
    });
    expect(after.body.incident.state).toBe('EVALUATED');
    expect((await track(code)).body).toMatchObject({
      can_rate: false,
      rating: { satisfaction: 'basically_satisfied', solved: true, note: '很快' },
    });
  });

  it('speaks Open311 GeoReport v2: services, a filed request, its token, and errors in its format', async () => {
    const services = await api<Array<{ service_code: string }>>(cloud(), 'GET', '/api/v1/open311/v2/services.json');
    expect(services.status).toBe(200);
    expect(services.headers.get('access-control-allow-origin')).toBe('*');
    expect(services.body.map((s) => s.service_code)).toContain('other');
    expect((await api(cloud(), 'GET', '/api/v1/open311/v2/services/other.json')).body).toEqual({
      service_code: 'other',
      attributes: [],
    });
    const missing = await api(cloud(), 'GET', '/api/v1/open311/v2/services/nope.json');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ code: 404, description: 'service_code nope not found' }]);

    const form = (fields: Record<string, string>) =>
      api<Array<Record<string, unknown>>>(cloud(), 'POST', '/api/v1/open311/v2/requests.json', {
        rawBody: new URLSearchParams(fields).toString(),
        contentType: 'application/x-www-form-urlencoded',
      });
    const noKey = await form({ service_code: 'other', lat: '33.501', long: '119.141', description: '井盖松动有响声' });
    expect(noKey.status).toBe(403);
    expect(noKey.body[0]).toMatchObject({ code: 403 });
    const noPlace = await form({ api_key: apiKey, service_code: 'other', description: '井盖松动有响声' });
    expect(noPlace.status).toBe(400);
    expect(noPlace.body[0]?.description).toMatch(/location/);
    const media = await form({
      api_key: apiKey,
      service_code: 'other',
      lat: '33.501',
      long: '119.141',
      description: '井盖松动有响声',
      media_url: 'http://169.254.169.254/latest',
    });
    expect(media.status).toBe(400);
    expect(media.body[0]?.description).toMatch(/media_url/);

    const filed = await form({
      api_key: apiKey,
      service_code: 'other',
      lat: '33.5011',
      long: '119.1412',
      description: '井盖松动有响声',
      phone: '13812345678',
      email: 'a@example.com',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const { service_request_id: id, token } = filed.body[0] as { service_request_id: string; token: string };
    const json = await api<Array<Record<string, unknown>>>(cloud(), 'POST', '/api/v1/open311/v2/requests.json', {
      body: { api_key: apiKey, service_code: 'other', address_string: '河下社区东门', description: '垃圾桶满了没人清' },
      headers: {},
    });
    // An address alone needs the community the page would ask for: Open311 names the field.
    expect(json.status).toBe(400);
    expect(json.body[0]?.description).toMatch(/community/);

    const one = await api<Array<Record<string, unknown>>>(cloud(), 'GET', `/api/v1/open311/v2/requests/${id}.json`);
    expect(one.body[0], JSON.stringify(one.body)).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'other',
      lat: 33.501,
      long: 119.141,
    });
    expect(JSON.stringify(one.body)).not.toMatch(/1381234|example\.com|井盖/);
    expect((await api(cloud(), 'GET', `/api/v1/open311/v2/tokens/${token}.json`)).body).toEqual([
      { service_request_id: id, token },
    ]);
    const listed = await api<Array<{ service_request_id: string }>>(
      cloud(),
      'GET',
      '/api/v1/open311/v2/requests.json?status=open',
    );
    expect(listed.body.map((r) => r.service_request_id)).toEqual([id]);
    expect((await api<unknown[]>(cloud(), 'GET', '/api/v1/open311/v2/requests.json?status=closed')).body).toEqual([]);
    const badDate = await api<Array<{ code: number }>>(
      cloud(),
      'GET',
      '/api/v1/open311/v2/requests.json?start_date=yesterday',
    );
    expect(badDate.status).toBe(400);
    expect((await api(cloud(), 'GET', '/api/v1/open311/v2/requests/NOPE.json')).status).toBe(404);
    // Web reports are not Open311's to list, nor is Open311 a way into the resident's tracking.
    expect((await track(id)).status).toBe(404);
    const incident = (
      await cloud().db.query<{ incident_id: string }>(
        'SELECT incident_id FROM resident_reports WHERE open311_id = $1',
        [id],
      )
    ).rows[0]?.incident_id as string;
    const staff = await api(cloud(), 'GET', `/api/v1/residents/incidents/${incident}`, {
      token: tokens.operator as string,
    });
    expect(staff.body).toMatchObject({ channel: 'open311', open311_id: id, phone: '138****5678' });
    void TEST_ADMIN_TOKEN;
  });
});
