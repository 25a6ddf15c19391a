import { Writable } from 'node:stream';
import { useTestDatabase } from '@gridlink/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNITY, GRID_1, GRID_2, type OpenStream, openStream, report } from '../incident-stream/test-support.js';
import { REDACTED_LOG_PATHS } from '../logging/logger.js';
import { type RunningCloud, startCloud } from '../start.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, testCloudConfig } from '../test-support.js';
import type { ApiToken, IssuedApiToken } from './api-tokens.js';
import { auditOf } from './audit.js';
import { createUser, login, signedIn } from './test-support.js';

const DAY_MS = 86_400_000;
/** Problem details in English, the language these assertions read. */
const headers = { 'accept-language': 'en' };

describe.each(BACKENDS)('API tokens of integrations, over HTTP on a real cloud (%s)', (backend) => {
  const database = backend === 'postgres' ? useTestDatabase() : undefined;
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  // Every log line the cloud writes, at debug level, to show no secret reaches the log.
  const logLines: string[] = [];
  let running: RunningCloud | undefined;
  const cloud = () => running as RunningCloud;
  const streams: OpenStream[] = [];

  let integration: { id: string };
  let operator: string;
  let districtAdmin: { id: string; token: string };
  let streetAdminElsewhere: string;
  const issued: string[] = [];

  const create = async (userId: string, body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) =>
    api<IssuedApiToken>(cloud(), 'POST', `/api/v1/users/${userId}/api-tokens`, { token, body, headers });
  const createOk = async (userId: string, body: Record<string, unknown>, token = TEST_ADMIN_TOKEN) => {
    const response = await create(userId, body, token);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    issued.push(response.body.token);
    return response.body;
  };
  const list = async (userId: string, token = TEST_ADMIN_TOKEN) => {
    const response = await api<{ api_tokens: ApiToken[] }>(cloud(), 'GET', `/api/v1/users/${userId}/api-tokens`, {
      token,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.api_tokens;
  };
  const revoke = (userId: string, tokenId: string, token = TEST_ADMIN_TOKEN) =>
    api<ApiToken>(cloud(), 'DELETE', `/api/v1/users/${userId}/api-tokens/${tokenId}`, { token, headers });
  const incidentIds = async (token: string) => {
    const response = await api<{ incidents: Array<{ id: string }> }>(cloud(), 'GET', '/api/v1/incidents', { token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.incidents.map((incident) => incident.id);
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug', redact: REDACTED_LOG_PATHS }, sink);
    running = await startCloud(testCloudConfig(database ? { url: database.url } : undefined), logger, {
      clock,
      maintenanceSweepMs: 86_400_000,
      dispatchSweepMs: 3_600_000,
      incidentStreamLimits: { heartbeatMs: 200 },
    });
    // The integration acts in grid 001 only; the community's operator reports in both grids.
    integration = await createUser(cloud(), 'nodered-grid-1', {
      territory: COMMUNITY,
      roles: [{ role: 'grid_worker', scope: GRID_1 }],
    });
    operator = (await signedIn(cloud(), 'tokens-operator', [{ role: 'operator', scope: COMMUNITY }])).token;
    const admin = await signedIn(cloud(), 'tokens-district-admin', [{ role: 'district_admin', scope: '320803' }]);
    districtAdmin = { id: admin.user.id, token: admin.token };
    streetAdminElsewhere = (
      await signedIn(cloud(), 'tokens-street-admin', [{ role: 'district_admin', scope: '320803002' }], '320803002')
    ).token;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await running?.stop();
  });

  it('creates a token shown once (glt_ and 32 random bytes), lists it masked, and audits it without the secret', async () => {
    const created = await createOk(integration.id, { name: 'node-red building A' });
    expect(created.token).toMatch(/^glt_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      user_id: integration.id,
      name: 'node-red building A',
      hint: `glt_…${created.token.slice(-4)}`,
      created_by: 'admin',
      created_at: '2026-11-25T08:00:00.000Z',
      // auth.api_tokens.default_days
      expires_at: new Date(clock().getTime() + 365 * DAY_MS).toISOString(),
      last_used_at: null,
      revoked_at: null,
    });
    const listed = await list(integration.id);
    expect(listed.map((token) => token.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.find((token) => token.id === created.id)).not.toHaveProperty('token');

    const audit = await auditOf(cloud().db, `user:${integration.id}`);
    const record = audit.find((r) => r.action === 'api_token.create' && r.details.token_id === created.id);
    expect(record).toMatchObject({ actor: 'admin', details: { name: 'node-red building A', hint: created.hint } });
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it("lets a district admin over the user's territory create and list them, and nobody else", async () => {
    const created = await createOk(
      integration.id,
      { name: 'bms bridge', expires_at: '2027-01-01T00:00:00+08:00' },
      districtAdmin.token,
    );
    expect(created).toMatchObject({ created_by: `user:${districtAdmin.id}`, expires_at: '2026-12-31T16:00:00.000Z' });
    expect((await list(integration.id, districtAdmin.token)).map((t) => t.id)).toContain(created.id);

    const elsewhere = await create(integration.id, { name: 'x' }, streetAdminElsewhere);
    expect(elsewhere.status).toBe(403);
    expect((await api(cloud(), 'GET', `/api/v1/users/${integration.id}/api-tokens`, { token: operator })).status).toBe(
      403,
    );
    expect((await create('no-such-user', { name: 'x' })).status).toBe(404);
  });

  it('refuses a body without a name, or an expiry in the past or beyond auth.api_tokens.max_days, naming the field', async () => {
    const nameless = await create(integration.id, {});
    expect(nameless.status).toBe(400);
    expect(JSON.stringify(nameless.body)).toContain('/name');
    const past = await create(integration.id, { name: 'x', expires_at: '2026-11-25T07:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({
      code: 'GL_VALIDATION_FAILED',
      errors: [{ pointer: '/expires_at', detail: 'must be later than now' }],
    });
    const far = await create(integration.id, { name: 'x', expires_at: '2029-01-01T00:00:00Z' });
    expect(far.status).toBe(400);
    expect(far.body).toMatchObject({
      errors: [
        { pointer: '/expires_at', detail: 'at most 2028-11-24T08:00:00.000Z (730 days, auth.api_tokens.max_days)' },
      ],
    });
  });

  it("reads incidents in its user's scope only, and records its use at most once a minute", async () => {
    const { token, id } = await createOk(integration.id, { name: 'scope' });
    const inGrid1 = await report(cloud(), operator, GRID_1, '楼道堆物');
    const inGrid2 = await report(cloud(), operator, GRID_2, '井盖缺失');
    const seen = await incidentIds(token);
    expect(seen).toContain(inGrid1);
    expect(seen).not.toContain(inGrid2);
    const me = await api<{ id: string }>(cloud(), 'GET', '/api/v1/me', { token });
    expect(me.body.id).toBe(integration.id);
    // No more rights than its user: a grid worker lists no users of the district's other streets.
    expect((await api(cloud(), 'GET', '/api/v1/users?territory=320803002', { token })).status).toBe(403);

    const usedAt = async () => (await list(integration.id)).find((t) => t.id === id)?.last_used_at;
    expect(await usedAt()).toBe('2026-11-25T08:00:00.000Z');
    clock.advance(30_000);
    await incidentIds(token);
    expect(await usedAt()).toBe('2026-11-25T08:00:00.000Z');
    clock.advance(31_000);
    await incidentIds(token);
    expect(await usedAt()).toBe('2026-11-25T08:01:01.000Z');
  });

  it('serves the incident stream to a token, resumes it from Last-Event-ID, and ends it when the token is revoked', async () => {
    const { token, id } = await createOk(integration.id, { name: 'stream' });
    const first = await openStream(cloud(), token);
    streams.push(first);
    expect(first.status).toBe(200);
    const ready = await first.next('ready');
    const live = await report(cloud(), operator, GRID_1);
    expect((await first.next('incident')).data).toMatchObject({ id: live, grid: GRID_1 });
    await first.close();

    const missed = await report(cloud(), operator, GRID_1);
    await report(cloud(), operator, GRID_2);
    const resumed = await openStream(cloud(), token, ready.id);
    streams.push(resumed);
    await resumed.next('ready');
    expect((await resumed.next('incident')).data).toMatchObject({ id: live });
    expect((await resumed.next('incident')).data).toMatchObject({ id: missed });

    expect((await revoke(integration.id, id)).status).toBe(200);
    const frames = await resumed.ended();
    // The grid-002 incident never reached the grid-001 integration.
    expect(frames.filter((f) => f.event === 'incident').every((f) => f.data.grid === GRID_1)).toBe(true);
  });

  it('gets attachment links that work while the token does, as a session’s work while it lasts', async () => {
    const { token, id } = await createOk(integration.id, { name: 'links' });
    const incident = await report(cloud(), operator, GRID_1);
    const uploaded = await fetch(`${cloud().url}/api/v1/incidents/${incident}/attachments?name=photo.jpg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'image/jpeg' },
      body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo of the stairwell')]),
    });
    expect(uploaded.status).toBe(201);
    const listed = await api<{ attachments: Array<{ url: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/attachments`,
      { token },
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const link = `${cloud().url}${listed.body.attachments[0]?.url}`;
    expect((await fetch(link)).status).toBe(200);
    expect((await revoke(integration.id, id)).status).toBe(200);
    expect((await fetch(link)).status).toBe(401);
  });

  it('answers 401 with the reason once a token is revoked, and keeps the first revocation', async () => {
    const { token, id } = await createOk(integration.id, { name: 'to revoke' });
    expect((await api(cloud(), 'GET', '/api/v1/me', { token })).status).toBe(200);
    const revoked = await revoke(integration.id, id);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBe(clock().toISOString());
    const refused = await api(cloud(), 'GET', '/api/v1/incidents', { token, headers });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(refused.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
    expect(String(refused.body.detail)).toContain('revoked');

    clock.advance(5000);
    expect((await revoke(integration.id, id)).body.revoked_at).toBe(revoked.body.revoked_at);
    const audit = await auditOf(cloud().db, `user:${integration.id}`);
    expect(audit.filter((r) => r.action === 'api_token.revoke' && r.details.token_id === id)).toHaveLength(1);
    expect((await revoke(integration.id, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await revoke(integration.id, 'not-an-id')).status).toBe(404);
  });

  it('answers 401 while its user is deactivated', async () => {
    const { token } = await createOk(integration.id, { name: 'deactivation' });
    const off = await api(cloud(), 'PATCH', `/api/v1/users/${integration.id}`, {
      token: TEST_ADMIN_TOKEN,
      body: { active: false },
    });
    expect(off.status).toBe(200);
    const refused = await api(cloud(), 'GET', '/api/v1/incidents', { token, headers });
    expect(refused.status).toBe(401);
    expect(String(refused.body.detail)).toContain('deactivated');
    await api(cloud(), 'PATCH', `/api/v1/users/${integration.id}`, { token: TEST_ADMIN_TOKEN, body: { active: true } });
    expect((await api(cloud(), 'GET', '/api/v1/incidents', { token })).status).toBe(200);
  });

  it('cannot refresh or end a session, set a password (nor make a user with one), or make more tokens, even a district admin’s', async () => {
    const { token } = await createOk(districtAdmin.id, { name: 'admin integration' });
    // It carries the district admin's rights where a session is not needed…
    expect((await list(integration.id, token)).length).toBeGreaterThan(0);
    // …but not these.
    const refresh = await api(cloud(), 'POST', '/api/v1/sessions/refresh', { token });
    expect(refresh.status).toBe(403);
    const logout = await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token });
    expect(logout.status).toBe(403);
    const password = await api(cloud(), 'PATCH', `/api/v1/users/${integration.id}`, {
      token,
      body: { password: 'a new long passphrase 2026' },
    });
    expect(password.status).toBe(403);
    expect(password.body).toMatchObject({ errors: [{ pointer: '/password' }] });
    const newUser = await api(cloud(), 'POST', '/api/v1/users', {
      token,
      body: {
        username: 'made-by-token',
        display_name: 'x',
        territory_code: '320803',
        password: 'a new long passphrase 2026',
      },
    });
    expect(newUser.status).toBe(403);
    const more = await create(integration.id, { name: 'minted by a token' }, token);
    expect(more.status).toBe(403);
    expect(String((more.body as unknown as { detail: string }).detail)).toContain('not created with an API token');
    // The token still works: the refusals ended nothing.
    expect((await api(cloud(), 'GET', '/api/v1/me', { token })).status).toBe(200);
    // The session of the same user may do all of these.
    const session = await login(cloud(), 'tokens-district-admin');
    expect((await create(integration.id, { name: 'by a session' }, session)).status).toBe(201);
  });

  it('answers 401 once a token expired', async () => {
    const { token } = await createOk(integration.id, { name: 'short', expires_at: '2026-11-26T08:00:00Z' });
    const before = await api(cloud(), 'GET', '/api/v1/me', { token, headers });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    clock.advance(2 * DAY_MS);
    const refused = await api(cloud(), 'GET', '/api/v1/me', { token, headers });
    expect(refused.status).toBe(401);
    expect(String(refused.body.detail)).toContain('expired at 2026-11-26T08:00:00.000Z');
  });

  it('never writes a token to the log', () => {
    expect(issued.length).toBeGreaterThan(5);
    const log = logLines.join('');
    expect(log).toContain('api token created');
    for (const token of issued) expect(log).not.toContain(token.slice(4));
  });
});
