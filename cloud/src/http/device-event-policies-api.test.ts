import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleAssignment } from '../people/roles.js';
import { signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

/** Every role of docs/domain.md §2, a street admin beside the district one, and a user without roles. */
const PEOPLE: Record<string, RoleAssignment[]> = {
  'district-admin': [{ role: 'district_admin', scope: '320803' }],
  'street-admin': [{ role: 'district_admin', scope: '320803001' }],
  operator: [{ role: 'operator', scope: '320803' }],
  'grid-worker': [{ role: 'grid_worker', scope: '320803001001001' }],
  property: [{ role: 'property_manager', scope: '320803001001' }],
  unit: [{ role: 'disposal_unit', scope: 'unit-gas' }],
  installer: [{ role: 'installer', scope: 'gw-320803-001' }],
  callback: [{ role: 'callback_agent', scope: '320803' }],
  nobody: [],
};
type Who = keyof typeof PEOPLE | 'admin-token';
const EVERYONE = [...Object.keys(PEOPLE), 'admin-token'] as Who[];
/** District admins read the table; only the admin token and district-level admins change it. */
const READERS: Who[] = ['admin-token', 'district-admin', 'street-admin'];
const WRITERS: Who[] = ['admin-token', 'district-admin'];

const EBIKE_ROW = {
  policy: 'alert_only',
  incident_category: null,
  note: 'incident at the 2nd e-bike in a day in one building',
  repeat: { count: 2, window: 'P1D', scope: 'building', bypass_severity: null },
};

/**
 * The device-event policy table over HTTP: each role against each route (refusals included),
 * validation problems naming the field and the fix, audit records of changes, and a change
 * counting for the very next alert.
 */
describe.each(BACKENDS)('device-event policies API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Partial<Record<Who, string>> = { 'admin-token': TEST_ADMIN_TOKEN };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const cast = await signInCast(cloud(), `${backend}-policy`, PEOPLE);
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
    for (const path of ['/api/v1/device-event-policies', '/api/v1/device-event-policies/safety.fire_lane']) {
      for (const method of ['GET', 'PUT']) {
        const response = await api(cloud(), method, path, method === 'PUT' ? { body: {} } : {});
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
      }
    }
  });

  it('lets district admins read the table, with the §7 repeat thresholds, and refuses every other role (403)', async () => {
    for (const who of EVERYONE) {
      const list = await call<{ policies: Array<Record<string, unknown>> }>(
        who,
        'GET',
        '/api/v1/device-event-policies',
      );
      const one = await call(who, 'GET', '/api/v1/device-event-policies/safety.fire_lane');
      if (READERS.includes(who)) {
        expect(list.status, `${who} GET list`).toBe(200);
        expect(one.status, `${who} GET one`).toBe(200);
      } else {
        for (const response of [list, one]) {
          expect(response.status, `${who} GET`).toBe(403);
          expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
        }
      }
    }
    const { body } = await call<{ policies: Array<Record<string, unknown>> }>(
      'district-admin',
      'GET',
      '/api/v1/device-event-policies',
    );
    expect(body.policies.find((row) => row.category === 'safety.ebike_elevator')).toMatchObject({
      policy: 'alert_only',
      repeat: { count: 5, window: 'P7D', scope: 'building', bypass_severity: null },
    });
    expect(body.policies.find((row) => row.category === 'privacy')).toMatchObject({
      policy: 'never',
      repeat: null,
      after_hours: null,
    });
    expect(body.policies.find((row) => row.category === 'safety.access')).toMatchObject({
      policy: 'alert_only',
      repeat: { count: 2, window: 'P1D', scope: 'device', bypass_severity: null },
      after_hours: { start: '22:00', end: '06:00' },
    });
    const fireLane = await call('street-admin', 'GET', '/api/v1/device-event-policies/safety.fire_lane');
    expect(fireLane.body).toMatchObject({
      category: 'safety.fire_lane',
      policy: 'auto_incident',
      repeat: { count: 3, window: 'P1D', scope: 'device', bypass_severity: 'major' },
    });
    const missing = await call('district-admin', 'GET', '/api/v1/device-event-policies/safety.nothing_here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'GL_NOT_FOUND' });
  });

  it('lets only the admin token and district-level admins change a row (201/200 or 403), audited with what was there before', async () => {
    for (const who of EVERYONE) {
      const response = await call(who, 'PUT', '/api/v1/device-event-policies/safety.rbac_probe', {
        policy: 'alert_only',
      });
      if (WRITERS.includes(who)) expect(response.status, `${who} PUT`).toBeOneOf([200, 201]);
      else {
        expect(response.status, `${who} PUT`).toBe(403);
        expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
      }
    }
    const created = await call('district-admin', 'PUT', '/api/v1/device-event-policies/safety.ebike_test', EBIKE_ROW);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ category: 'safety.ebike_test', ...EBIKE_ROW });
    const changed = await call('district-admin', 'PUT', '/api/v1/device-event-policies/safety.ebike_test', {
      ...EBIKE_ROW,
      repeat: { ...EBIKE_ROW.repeat, window: 'PT36H' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ repeat: { window: 'P1DT12H' } });
    const { rows } = await cloud().db.query<{ actor: string; action: string; details: Record<string, unknown> }>(
      "SELECT actor, action, details FROM audit_log WHERE target = 'device_event_policy:safety.ebike_test' ORDER BY id",
    );
    expect(rows).toEqual([
      {
        actor: `user:${ids['district-admin']}`,
        action: 'device_event_policy.create',
        details: { before: null, after: expect.objectContaining({ repeat: EBIKE_ROW.repeat }) },
      },
      {
        actor: `user:${ids['district-admin']}`,
        action: 'device_event_policy.update',
        details: {
          before: expect.objectContaining({ repeat: EBIKE_ROW.repeat }),
          after: expect.objectContaining({ repeat: { ...EBIKE_ROW.repeat, window: 'P1DT12H' } }),
        },
      },
    ]);
  });

  it('refuses invalid rows with a problem naming the field and the fix (400)', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['safety.ebike_test', { ...EBIKE_ROW, policy: 'sometimes' }, '/policy'],
      ['safety.ebike_test', { ...EBIKE_ROW, repeat: { ...EBIKE_ROW.repeat, count: 1 } }, '/repeat/count'],
      ['safety.ebike_test', { ...EBIKE_ROW, repeat: { ...EBIKE_ROW.repeat, window: '1 day' } }, '/repeat/window'],
      ['safety.ebike_test', { ...EBIKE_ROW, repeat: { ...EBIKE_ROW.repeat, window: 'P400D' } }, '/repeat/window'],
      ['safety.ebike_test', { ...EBIKE_ROW, repeat: { ...EBIKE_ROW.repeat, scope: 'street' } }, '/repeat/scope'],
      ['privacy.test', { ...EBIKE_ROW, policy: 'never' }, '/repeat'],
      ['safety.ebike_test', { ...EBIKE_ROW, colour: 'red' }, '/colour'],
      ['safety.ebike_test', { ...EBIKE_ROW, after_hours: { start: '24:00', end: '06:00' } }, '/after_hours/start'],
      ['safety.ebike_test', { ...EBIKE_ROW, after_hours: { start: '22:00', end: '6:00' } }, '/after_hours/end'],
      ['safety.ebike_test', { ...EBIKE_ROW, after_hours: { start: '22:00', end: '22:00' } }, '/after_hours/end'],
      ['safety.ebike_test', { ...EBIKE_ROW, after_hours: { start: '22:00' } }, '/after_hours/end'],
      ['privacy.test', { policy: 'never', after_hours: { start: '22:00', end: '06:00' } }, '/after_hours'],
    ];
    for (const [category, body, pointer] of cases) {
      const response = await call<{ code: string; errors: Array<{ pointer?: string; detail: string }> }>(
        'admin-token',
        'PUT',
        `/api/v1/device-event-policies/${category}`,
        body,
      );
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('GL_VALIDATION_FAILED');
      expect(response.body.errors.map((error) => error.pointer)).toContain(pointer);
    }
    const window = await call<{ errors: Array<{ detail: string }> }>(
      'admin-token',
      'PUT',
      '/api/v1/device-event-policies/safety.ebike_test',
      { ...EBIKE_ROW, repeat: { ...EBIKE_ROW.repeat, window: 'one week' } },
    );
    expect(window.body.errors[0]?.detail).toMatch(/ISO-8601 duration.*P7D/);
    const hours = await call<{ errors: Array<{ detail: string }> }>(
      'admin-token',
      'PUT',
      '/api/v1/device-event-policies/safety.ebike_test',
      { ...EBIKE_ROW, after_hours: { start: '10pm', end: '06:00' } },
    );
    expect(hours.body.errors[0]?.detail).toMatch(/HH:MM.*22:00/);
    const badCode = await call('admin-token', 'PUT', '/api/v1/device-event-policies/Not A Code', EBIKE_ROW);
    expect(badCode.status).toBe(400);
    expect(badCode.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ parameter: 'category' }] });
  });

  it('stores an after-hours range, audited, and the next alert follows it by its own time', async () => {
    const row = {
      policy: 'alert_only',
      incident_category: null,
      note: 'incident when the door opens at night',
      repeat: null,
      after_hours: { start: '23:30', end: '05:00' },
    };
    const put = await call('district-admin', 'PUT', '/api/v1/device-event-policies/safety.night_door', row);
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body).toMatchObject({ category: 'safety.night_door', ...row });
    expect((await call('street-admin', 'GET', '/api/v1/device-event-policies/safety.night_door')).body).toMatchObject(
      row,
    );
    const { rows } = await cloud().db.query<{ details: { after: Record<string, unknown> } }>(
      "SELECT details FROM audit_log WHERE target = 'device_event_policy:safety.night_door'",
    );
    expect(rows[0]?.details.after).toMatchObject({ after_hours: { start: '23:30', end: '05:00' } });
    const door = (n: number, time: string): CloudEvent => {
      const data: AlertPayload = {
        alert_id: `night-door-${backend}-${n}`,
        rule_id: 'door-forced',
        device_id: `door-${n}`,
        state: 'active',
        severity: 'minor',
        category: 'safety.night_door',
        since: time,
        last_seen: time,
        occurrences: 1,
        message: { zh: '门被强行打开', en: 'Door forced open' },
        place: { community: '320803001001', building: `n${n}`, unit: '1', floor: 1 },
      };
      return createCloudEvent({
        id: `evt-night-door-${backend}-${n}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: 'gw-320803-001',
        deviceId: data.device_id,
        time,
        data,
        priority: 'alarm',
      }) as CloudEvent;
    };
    // 23:29:59 and 05:00 China time stay alerts; 23:30 and 04:59:59 open incidents.
    const outcomes = [];
    for (const [n, time] of [
      [1, '2026-11-24T15:29:59.000Z'],
      [2, '2026-11-24T15:30:00.000Z'],
      [3, '2026-11-24T20:59:59.000Z'],
      [4, '2026-11-24T21:00:00.000Z'],
    ] as const)
      outcomes.push((await cloud().incidents.fromAlert(door(n, time))).outcome);
    expect(outcomes).toEqual(['ignored', 'created', 'created', 'ignored']);
  });

  it('replaces the whole table at once, and the next alert follows it', async () => {
    const before = await call<{ policies: Array<Record<string, unknown>> }>(
      'admin-token',
      'GET',
      '/api/v1/device-event-policies',
    );
    const rows = before.body.policies.map(({ updated_at: _at, ...row }) => row);
    const twice = await call('district-admin', 'PUT', '/api/v1/device-event-policies', {
      policies: [rows[0], rows[0]],
    });
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ errors: [{ pointer: '/policies' }] });
    const street = await call('street-admin', 'PUT', '/api/v1/device-event-policies', { policies: rows });
    expect(street.status).toBe(403);

    // The table without its water-leak row, and a threshold for water leaks in one building unit.
    const edited = [
      ...rows.filter((row) => row.category !== 'livelihood.water_leak'),
      {
        category: 'livelihood.water_leak',
        policy: 'auto_incident',
        repeat: { count: 2, window: 'PT1H', scope: 'place' },
      },
    ];
    const put = await call<{ policies: Array<Record<string, unknown>> }>(
      'district-admin',
      'PUT',
      '/api/v1/device-event-policies',
      { policies: edited.filter((row) => row.category !== 'safety.rbac_probe') },
    );
    expect(put.status).toBe(200);
    expect(put.body.policies.map((row) => row.category)).not.toContain('safety.rbac_probe');
    const { rows: audit } = await cloud().db.query(
      "SELECT action FROM audit_log WHERE target = 'device_event_policies' ORDER BY id",
    );
    expect(audit).toEqual([{ action: 'device_event_policy.replace_all' }]);

    const leak = (n: number): CloudEvent => {
      const data: AlertPayload = {
        alert_id: `leak-${backend}-${n}`,
        rule_id: 'water-leak',
        device_id: `leak-${n}`,
        state: 'active',
        severity: 'minor',
        category: 'livelihood.water_leak',
        since: '2026-11-25T07:00:00.000Z',
        last_seen: '2026-11-25T07:00:00.000Z',
        occurrences: 1,
        message: { zh: '漏水', en: 'Water leak' },
        place: { community: '320803001001', building: '9', unit: '1', floor: 1 },
      };
      return createCloudEvent({
        id: `evt-leak-${backend}-${n}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: 'gw-320803-001',
        deviceId: data.device_id,
        time: `2026-11-25T07:0${n}:00.000Z`,
        data,
        priority: 'alarm',
      }) as CloudEvent;
    };
    expect(await cloud().incidents.fromAlert(leak(1))).toMatchObject({ outcome: 'held', repeats: 1, threshold: 2 });
    expect(await cloud().incidents.fromAlert(leak(2))).toMatchObject({
      outcome: 'created',
      incident: { occurrences: 2 },
    });
  });
});
