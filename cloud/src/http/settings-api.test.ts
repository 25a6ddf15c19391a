import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { CategoryCatalogue } from '../categories/catalogue.js';
import { closedLoop, seedIncidents } from '../kpi/test-support.js';
import type { RoleAssignment } from '../people/roles.js';
import { login, signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/** Every role of docs/domain.md §2, a street admin beside the district one, and a user without roles. */
const PEOPLE: Record<string, RoleAssignment[]> = {
  'district-admin': [{ role: 'district_admin', scope: '320803' }],
  'street-admin': [{ role: 'district_admin', scope: '320803001' }],
  operator: [{ role: 'operator', scope: '320803001' }],
  'grid-worker': [{ role: 'grid_worker', scope: GRID }],
  property: [{ role: 'property_manager', scope: COMMUNITY }],
  unit: [{ role: 'disposal_unit', scope: 'unit-gas' }],
  installer: [{ role: 'installer', scope: 'gw-320803-001' }],
  callback: [{ role: 'callback_agent', scope: '320803' }],
  nobody: [],
};
type Who = keyof typeof PEOPLE | 'admin-token';
const EVERYONE = [...Object.keys(PEOPLE), 'admin-token'] as Who[];
/** Tenant-wide settings change only with the admin token or a district-level district admin. */
const TENANT_ADMINS: Who[] = ['admin-token', 'district-admin'];

/** Who reads each route (200); everyone else is refused with 403. */
const READERS: Record<string, Who[]> = {
  '/api/v1/settings/deadlines': ['admin-token', 'district-admin', 'street-admin', 'operator'],
  '/api/v1/settings/dispatch': ['admin-token', 'district-admin', 'street-admin', 'operator'],
  '/api/v1/settings/incidents': ['admin-token', 'district-admin', 'street-admin', 'operator'],
  '/api/v1/settings/kpis': ['admin-token', 'district-admin', 'street-admin', 'operator', 'grid-worker'],
  '/api/v1/settings/sessions': ['admin-token', 'district-admin', 'street-admin'],
  '/api/v1/categories/other': EVERYONE,
  '/api/v1/time-limits': EVERYONE,
};

/**
 * The tenant's settings, the category catalogue's edits and the time limits: each role against
 * each route, refusals included; validation problems naming the field and the fix; audit records
 * of reads and changes; and changes counting at once, without a restart.
 */
describe.each(BACKENDS)('tenant settings API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Partial<Record<Who, string>> = { 'admin-token': TEST_ADMIN_TOKEN };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const cast = await signInCast(cloud(), backend, PEOPLE);
    Object.assign(tokens, cast.tokens);
    Object.assign(ids, cast.ids);
  }, 60_000);

  // Read in English: the refusals and field errors are asserted as English text.
  const call = <T = Record<string, unknown>>(who: Who, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, path, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
      headers: { 'accept-language': 'en' },
    });

  it('refuses every route without a token (401)', async () => {
    for (const path of Object.keys(READERS)) {
      for (const method of ['GET', 'PUT']) {
        const response = await api(cloud(), method, path, method === 'PUT' ? { body: {} } : {});
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
      }
    }
  });

  it('lets each role read only the settings it needs (200 or 403)', async () => {
    for (const [path, readers] of Object.entries(READERS)) {
      for (const who of EVERYONE) {
        const response = await call(who, 'GET', path);
        expect(response.status, `${who} GET ${path}`).toBe(readers.includes(who) ? 200 : 403);
        if (response.status === 403) expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
      }
    }
  });

  it('lets only the admin token and district-level admins change them (200/201 or 403)', async () => {
    const bodies: Record<string, unknown> = {
      '/api/v1/settings/deadlines': (await call('admin-token', 'GET', '/api/v1/settings/deadlines')).body,
      '/api/v1/settings/dispatch': (await call('admin-token', 'GET', '/api/v1/settings/dispatch')).body,
      '/api/v1/settings/incidents': (await call('admin-token', 'GET', '/api/v1/settings/incidents')).body,
      '/api/v1/settings/kpis': (await call('admin-token', 'GET', '/api/v1/settings/kpis')).body,
      '/api/v1/settings/sessions': (await call('admin-token', 'GET', '/api/v1/settings/sessions')).body,
      '/api/v1/categories/other': { name: { zh: '其他', en: 'Other' }, default_severity: 'minor' },
      '/api/v1/time-limits': { category: '*', severity: '*', step: 'close', limit: { value: 1, unit: 'working_days' } },
    };
    for (const [path, body] of Object.entries(bodies)) {
      for (const who of EVERYONE) {
        const response = await call(who, 'PUT', path, body);
        if (TENANT_ADMINS.includes(who)) expect(response.status, `${who} PUT ${path}`).toBeOneOf([200, 201]);
        else {
          expect(response.status, `${who} PUT ${path}`).toBe(403);
          expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
        }
      }
    }
  });

  it('takes new deadline settings at once and audits who read and who changed them', async () => {
    const put = await call('district-admin', 'PUT', '/api/v1/settings/deadlines', {
      time: {
        workingHours: [
          { start: '09:00', end: '12:00' },
          { start: '14:00', end: '18:00' },
        ],
      },
      unsignedMinutes: 5,
      unsignedChain: ['community', 'street', 'district'],
      unsignedCategories: ['safety.fire_lane'],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ unsignedMinutes: 5, thresholds: { yellow: 0.8, red: 1 } });
    const inForce = await cloud().deadlines.settings();
    expect(inForce.time.workingHours).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '14:00', end: '18:00' },
    ]);
    expect(inForce.unsignedChain).toEqual(['community', 'street', 'district']);
    expect(inForce.unsignedCategories).toEqual(['safety.fire_lane']);
    const unknown = await call('district-admin', 'PUT', '/api/v1/settings/deadlines', {
      unsignedCategories: ['safety', 'safety.no_such_thing'],
    });
    expect(unknown.body).toMatchObject({ status: 400, errors: [{ pointer: '/unsignedCategories/1' }] });
    await call('operator', 'GET', '/api/v1/settings/deadlines');
    const { rows } = await cloud().db.query<{ actor: string; action: string; details: { after?: unknown } }>(
      "SELECT actor, action, details FROM audit_log WHERE target = 'deadlines:settings' ORDER BY id",
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ actor: `user:${ids.operator}`, action: 'deadlines.settings.view' }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({
        actor: `user:${ids['district-admin']}`,
        action: 'deadlines.settings.replace',
        details: expect.objectContaining({ after: expect.objectContaining({ unsignedMinutes: 5 }) }),
      }),
    );
  });

  it('answers invalid settings with 400 naming each field and what it expects', async () => {
    const hours = await call('admin-token', 'PUT', '/api/v1/settings/deadlines', {
      time: { workingHours: [{ start: '13:00', end: '12:00' }] },
      unsignedMinutes: 0,
    });
    expect(hours.status).toBe(400);
    expect(hours.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    const pointers = (hours.body as { errors: Array<{ pointer: string; detail: string }> }).errors;
    expect(pointers).toEqual(
      expect.arrayContaining([
        { pointer: '/time/workingHours/0/end', detail: '12:00 is not after 13:00' },
        expect.objectContaining({ pointer: '/unsignedMinutes', detail: expect.stringContaining('>= 1') }),
      ]),
    );
    const sessions = await call('admin-token', 'PUT', '/api/v1/settings/sessions', {
      idle_seconds: 86_400,
      absolute_seconds: 3600,
      max_failures: 5,
      failure_window_seconds: 900,
      lock_seconds: 10,
    });
    expect(sessions.status).toBe(400);
    expect((sessions.body as { errors: unknown[] }).errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/lock_seconds', detail: expect.stringContaining('>= 60') }),
        {
          pointer: '/absolute_seconds',
          detail: 'absolute_seconds must be at least idle_seconds: lower idle_seconds or raise absolute_seconds',
        },
      ]),
    );
    const dispatch = await call('admin-token', 'PUT', '/api/v1/settings/dispatch', {
      auto_dispatch: true,
      fast_track_urgent_iot: true,
      life_safety_categories: ['emergency', 'no_such_category'],
    });
    expect(dispatch.status).toBe(400);
    expect(dispatch.body).toMatchObject({
      errors: [{ pointer: '/life_safety_categories/1', detail: expect.stringContaining('PUT /api/v1/categories/') }],
    });
    const kpis = await call('admin-token', 'PUT', '/api/v1/settings/kpis', { weights: { closing_rate: -1 } });
    expect(kpis.status).toBe(400);
    expect(kpis.body).toMatchObject({
      errors: [expect.objectContaining({ pointer: expect.stringMatching(/^\/weights/) })],
    });
    const notHundred = await call('admin-token', 'PUT', '/api/v1/settings/kpis', {
      weights: { closing_rate: 60, rework_rate: 30 },
    });
    expect(notHundred.status).toBe(400);
    expect(notHundred.body).toMatchObject({
      errors: [expect.objectContaining({ pointer: '/weights', detail: expect.stringContaining('100') })],
    });
    const unknownField = await call('admin-token', 'PUT', '/api/v1/settings/kpis', { wieghts: {} });
    expect(unknownField.body).toMatchObject({ errors: [{ pointer: '/wieghts', detail: 'unexpected field' }] });
  });

  it('applies session settings to the next login and the next request, without a restart', async () => {
    const put = await call('admin-token', 'PUT', '/api/v1/settings/sessions', {
      idle_seconds: 600,
      absolute_seconds: 3600,
      max_failures: 2,
      failure_window_seconds: 600,
      lock_seconds: 120,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const username = `${backend}-nobody`;
    const session = await api<{ expires_at: string; token: string }>(cloud(), 'POST', '/api/v1/sessions', {
      body: { username, password: 'correct horse battery staple' },
    });
    expect(session.body.expires_at).toBe(new Date(clock().getTime() + 600_000).toISOString());
    clock.advance(601_000);
    expect((await api(cloud(), 'GET', '/api/v1/me', { token: session.body.token })).status).toBe(401);
    // two failures lock the username now, not five
    for (let i = 0; i < 2; i++) {
      await api(cloud(), 'POST', '/api/v1/sessions', { body: { username, password: 'wrong password here' } });
    }
    const locked = await api(cloud(), 'POST', '/api/v1/sessions', {
      body: { username, password: 'correct horse battery staple' },
    });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('120');
    clock.advance(121_000);
    // back to the seeds, so the other tests' sessions last
    const seeds = {
      idle_seconds: 43_200,
      absolute_seconds: 604_800,
      max_failures: 5,
      failure_window_seconds: 900,
      lock_seconds: 300,
    };
    expect((await call('admin-token', 'PUT', '/api/v1/settings/sessions', seeds)).status).toBe(200);
    expect(await login(cloud(), username)).toMatch(/^glus_/);
  });

  it('takes new incident settings for the next alert and transition, audited, and names each invalid field', async () => {
    expect((await call('operator', 'GET', '/api/v1/settings/incidents')).body).toEqual({
      dedup_window_seconds: 1800,
      unsatisfied_callback: 'rework',
      callback: 'agents',
      self_check_categories: [],
    });
    const put = await call('district-admin', 'PUT', '/api/v1/settings/incidents', {
      dedup_window_seconds: 900,
      unsatisfied_callback: 'evaluate',
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual({
      dedup_window_seconds: 900,
      unsatisfied_callback: 'evaluate',
      callback: 'agents',
      self_check_categories: [],
    });
    // The running cloud's engine reads the stored row: no restart.
    expect(await cloud().incidents.settings()).toEqual({
      dedup_window_seconds: 900,
      unsatisfied_callback: 'evaluate',
      callback: 'agents',
      self_check_categories: [],
    });
    expect(await cloud().incidents.policies()).toEqual({ unsatisfiedCallback: 'evaluate', callback: 'agents' });
    const invalid = await call<{ code: string; errors: Array<{ pointer: string; detail: string }> }>(
      'admin-token',
      'PUT',
      '/api/v1/settings/incidents',
      { dedup_window_seconds: 30, unsatisfied_callback: 'ignore' },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('GL_VALIDATION_FAILED');
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/dedup_window_seconds', detail: 'expected number >= 60, received number 30' },
        expect.objectContaining({ pointer: '/unsatisfied_callback', detail: expect.stringContaining('rework') }),
      ]),
    );
    const missing = await call<{ errors: Array<{ pointer: string }> }>(
      'admin-token',
      'PUT',
      '/api/v1/settings/incidents',
      {
        unsatisfied_callback: 'rework',
      },
    );
    expect(missing.body.errors.map((error) => error.pointer)).toEqual(['/dedup_window_seconds']);
    const seeds = {
      dedup_window_seconds: 1800,
      unsatisfied_callback: 'rework',
      callback: 'agents',
      self_check_categories: [],
    };
    expect((await call('admin-token', 'PUT', '/api/v1/settings/incidents', seeds)).status).toBe(200);
    const { rows } = await cloud().db.query<{ actor: string; action: string; details: Record<string, unknown> }>(
      "SELECT actor, action, details FROM audit_log WHERE target = 'incidents:settings' ORDER BY id",
    );
    expect(rows).toContainEqual({
      actor: `user:${ids.operator}`,
      action: 'incidents.settings.view',
      details: {},
    });
    expect(rows).toContainEqual({
      actor: `user:${ids['district-admin']}`,
      action: 'incidents.settings.replace',
      details: {
        before: seeds,
        after: {
          dedup_window_seconds: 900,
          unsatisfied_callback: 'evaluate',
          callback: 'agents',
          self_check_categories: [],
        },
      },
    });
    expect(await cloud().incidents.settings()).toEqual(seeds);
  });

  it('dedups the running cloud’s next alert with the window stored over the API', async () => {
    const smoke = (n: number, minutes: number): CloudEvent => {
      const time = new Date(Date.parse('2026-11-25T02:00:00.000Z') + minutes * 60_000).toISOString();
      const data: AlertPayload = {
        alert_id: `settings-smoke-${backend}-${n}`,
        rule_id: 'smoke',
        device_id: `smoke-${n}`,
        state: 'active',
        severity: 'major',
        category: 'safety.settings_probe',
        since: time,
        last_seen: time,
        occurrences: 1,
        message: { zh: '烟感报警', en: 'Smoke alarm' },
        place: { community: COMMUNITY, building: '7', unit: '2', floor: 3 },
      };
      return createCloudEvent({
        id: `evt-settings-smoke-${backend}-${n}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: 'gw-320803-001',
        deviceId: data.device_id,
        time,
        data,
        priority: 'alarm',
      }) as CloudEvent;
    };
    const window = (seconds: number) =>
      call('district-admin', 'PUT', '/api/v1/settings/incidents', {
        dedup_window_seconds: seconds,
        unsatisfied_callback: 'rework',
      });
    expect((await window(60)).status).toBe(200);
    const first = await cloud().incidents.fromAlert(smoke(1, 0));
    // Two minutes later is beyond a one-minute window: an incident of its own.
    const second = await cloud().incidents.fromAlert(smoke(2, 2));
    expect([first.outcome, second.outcome]).toEqual(['created', 'created']);
    expect((await window(1800)).status).toBe(200);
    expect(await cloud().incidents.fromAlert(smoke(3, 4))).toMatchObject({
      outcome: 'merged',
      incident: { id: (second as { incident: { id: string } }).incident.id },
    });
  });

  it('scores KPIs with the weights stored a moment ago', async () => {
    await seedIncidents(cloud().db, {
      prefix: `${backend}-kpi`,
      count: 4,
      start: new Date('2026-10-05T00:00:00+08:00'),
      community: COMMUNITY,
      grid: GRID,
      steps: closedLoop({ closeHours: 20, closeDeadlineHours: 48 }),
    });
    const composite = async () => {
      const response = await call<{ groups: Array<{ composite: number | null }> }>(
        'operator',
        'GET',
        '/api/v1/kpis?from=2026-10-01&to=2026-11-01&group_by=street',
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.groups.map((group) => group.composite);
    };
    // Only satisfaction weighs, and no callback was made: nothing to score.
    const none = { exclude_suspended_from_due: false, weights: { satisfaction_rate: 100 } };
    expect((await call('admin-token', 'PUT', '/api/v1/settings/kpis', none)).status).toBe(200);
    expect(await composite()).toEqual([null]);
    const weighted = { exclude_suspended_from_due: false, weights: { closing_rate: 50, on_time_closing_rate: 50 } };
    expect((await call('district-admin', 'PUT', '/api/v1/settings/kpis', weighted)).status).toBe(200);
    expect(await composite()).toEqual([100]);
  });

  it('applies the dispatch and KPI settings on their next use', async () => {
    const dispatch = await call('district-admin', 'PUT', '/api/v1/settings/dispatch', {
      auto_dispatch: false,
      fast_track_urgent_iot: true,
      life_safety_categories: ['emergency', 'safety.fire_lane'],
    });
    expect(dispatch.status, JSON.stringify(dispatch.body)).toBe(200);
    expect(await cloud().dispatch.store.settings()).toEqual({
      autoDispatch: false,
      fastTrackUrgentIot: true,
      lifeSafetyCategories: ['emergency', 'safety.fire_lane'],
    });
    const audited = await cloud().db.query<{ actor: string; details: Record<string, unknown> }>(
      "SELECT actor, details FROM audit_log WHERE target = 'dispatch:settings' AND action = 'dispatch.settings.update' ORDER BY id DESC LIMIT 1",
    );
    expect(audited.rows[0]).toMatchObject({
      actor: `user:${ids['district-admin']}`,
      details: { before: { auto_dispatch: true }, after: { auto_dispatch: false } },
    });
    const kpis = await call('district-admin', 'PUT', '/api/v1/settings/kpis', {
      exclude_suspended_from_due: true,
      weights: { closing_rate: 60, satisfaction_rate: 40 },
    });
    expect(kpis.status, JSON.stringify(kpis.body)).toBe(200);
    expect((await call('grid-worker', 'GET', '/api/v1/settings/kpis')).body).toEqual({
      exclude_suspended_from_due: true,
      weights: { closing_rate: 60, satisfaction_rate: 40 },
    });
    const report = await call('operator', 'GET', '/api/v1/kpis?from=2026-11-01&to=2026-12-01&group_by=street');
    expect(report.status, JSON.stringify(report.body)).toBe(200);
  });

  it('edits a category and its time limit, audited with what was there before', async () => {
    const created = await call('district-admin', 'PUT', '/api/v1/categories/safety.blocked_stairwell', {
      name: { zh: '楼道堵塞', en: 'Blocked stairwell' },
      default_severity: 'major',
      unit_type: 'property_company',
      allowed_sources: ['patrol', 'hotline_12345'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ code: 'safety.blocked_stairwell', parent: 'safety', level: 2, active: true });
    const orphan = await call('district-admin', 'PUT', '/api/v1/categories/nowhere.blocked', {
      name: { zh: '无', en: 'None' },
      default_severity: 'minor',
    });
    expect(orphan.status).toBe(400);
    expect(orphan.body).toMatchObject({
      errors: [{ parameter: 'code', detail: expect.stringContaining('create the parent category first') }],
    });
    const limit = {
      category: 'safety.blocked_stairwell',
      severity: '*',
      step: 'handle',
      limit: { value: 4, unit: 'working_hours' },
    };
    expect((await call('district-admin', 'PUT', '/api/v1/time-limits', limit)).status).toBe(201);
    const changed = { ...limit, limit: { value: 2, unit: 'natural_hours' } };
    expect((await call('district-admin', 'PUT', '/api/v1/time-limits', changed)).status).toBe(200);
    const listed = await call<{ time_limits: unknown[] }>('grid-worker', 'GET', '/api/v1/time-limits');
    expect(listed.body.time_limits).toContainEqual(changed);
    const unknown = await call('district-admin', 'PUT', '/api/v1/time-limits', { ...limit, category: 'safety.nope' });
    expect(unknown.body).toMatchObject({ status: 400, errors: [{ pointer: '/category' }] });
    const badUnit = await call('district-admin', 'PUT', '/api/v1/time-limits', {
      ...limit,
      limit: { value: 2, unit: 'hours' },
    });
    expect(badUnit.body).toMatchObject({ status: 400, errors: [{ pointer: '/limit/unit' }] });
    // The override goes: the safety category's parent rule (or the tenant default) applies again.
    const remove = '/api/v1/time-limits/safety.blocked_stairwell/*/handle';
    for (const who of EVERYONE.filter((who) => !TENANT_ADMINS.includes(who)))
      expect((await call(who, 'DELETE', remove)).status, `${who} DELETE`).toBe(403);
    expect((await call('district-admin', 'DELETE', remove)).status).toBe(204);
    expect((await call('district-admin', 'DELETE', remove)).status).toBe(404);
    const catalogue = new CategoryCatalogue(cloud().db);
    expect(await catalogue.limitFor('safety.blocked_stairwell', 'major', 'handle')).toEqual(
      await catalogue.limitFor('safety', 'major', 'handle'),
    );
    expect((await call('district-admin', 'DELETE', '/api/v1/time-limits/*/*/handle')).body).toMatchObject({
      status: 400,
      errors: [{ parameter: 'category' }],
    });
    expect((await call('district-admin', 'DELETE', '/api/v1/time-limits/*/*/lunch')).body).toMatchObject({
      status: 400,
      errors: [{ parameter: 'step' }],
    });
    const { rows } = await cloud().db.query<{ action: string; details: { before: unknown; after: unknown } }>(
      "SELECT action, details FROM audit_log WHERE target = 'time_limit:safety.blocked_stairwell:*:handle' ORDER BY id",
    );
    expect(rows.map((row) => row.details)).toEqual([
      { before: null, after: { value: 4, unit: 'working_hours' } },
      { before: { value: 4, unit: 'working_hours' }, after: { value: 2, unit: 'natural_hours' } },
      { before: { value: 2, unit: 'natural_hours' }, after: null },
    ]);
  });
});
