import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleAssignment } from '../people/roles.js';
import { signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const STREET = '320803001';
const COMMUNITY_A = '320803001001';
const GRID_A1 = '320803001001001';
const GRID_A2 = '320803001001002';
const COMMUNITY_B = '320803001002';
const GRID_B1 = '320803001002001';
/** A community of another street of the district. */
const COMMUNITY_C = '320803002001';
const GRID_C1 = '320803002001001';

const PEOPLE: Record<string, RoleAssignment[]> = {
  'district-admin': [{ role: 'district_admin', scope: '320803' }],
  'street-admin': [{ role: 'district_admin', scope: STREET }],
  operator: [{ role: 'operator', scope: STREET }],
  'grid-worker': [{ role: 'grid_worker', scope: GRID_A1 }],
  property: [{ role: 'property_manager', scope: COMMUNITY_A }],
  'property-b': [{ role: 'property_manager', scope: COMMUNITY_B }],
  unit: [{ role: 'disposal_unit', scope: 'unit-gas' }],
  installer: [{ role: 'installer', scope: 'gw-320803-001' }],
  callback: [{ role: 'callback_agent', scope: '320803' }],
  nobody: [],
};
type Who = keyof typeof PEOPLE | 'admin-token';
const EVERYONE = [...Object.keys(PEOPLE), 'admin-token'] as Who[];

/** Which held alerts (by grid) each caller sees; the others are refused with 403 (401: no session). */
const SEES: Partial<Record<Who, string[]>> = {
  'district-admin': [GRID_C1, GRID_B1, GRID_A2, GRID_A1],
  'street-admin': [GRID_B1, GRID_A2, GRID_A1],
  operator: [GRID_B1, GRID_A2, GRID_A1],
  'grid-worker': [GRID_A1],
  property: [GRID_A2, GRID_A1],
  'property-b': [GRID_B1],
};

/**
 * `GET /held-alerts`: the alerts below their repeat threshold, each caller seeing only their
 * territory as in the incidents list; filters, pages, refusals and the audit of each read.
 */
describe.each(BACKENDS)('held alerts API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Partial<Record<Who, string>> = { 'admin-token': TEST_ADMIN_TOKEN };
  const ids: Record<string, string> = {};

  /** A door-forced alert at 10:00 China time plus `minutes` (daytime: held below the threshold). */
  const doorForced = (grid: string, community: string, minutes: number): CloudEvent => {
    const time = new Date(Date.parse('2026-11-25T02:00:00.000Z') + minutes * 60_000).toISOString();
    const data: AlertPayload = {
      alert_id: `held-${backend}-${grid}`,
      rule_id: 'door-forced',
      device_id: `door-${grid}`,
      state: 'active',
      severity: 'minor',
      category: 'safety.access.door_forced',
      since: time,
      last_seen: time,
      occurrences: 1,
      message: { zh: '门被强行打开', en: 'Door forced open' },
      place: { community, grid, building: '1', unit: '1', floor: 1 },
    };
    return createCloudEvent({
      id: `evt-held-${backend}-${grid}`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: 'gw-320803-001',
      deviceId: data.device_id,
      time,
      data,
      priority: 'alarm',
    }) as CloudEvent;
  };

  beforeAll(async () => {
    const cast = await signInCast(cloud(), `${backend}-held`, PEOPLE);
    Object.assign(tokens, cast.tokens);
    Object.assign(ids, cast.ids);
    const places: Array<[string, string]> = [
      [GRID_A1, COMMUNITY_A],
      [GRID_A2, COMMUNITY_A],
      [GRID_B1, COMMUNITY_B],
      [GRID_C1, COMMUNITY_C],
    ];
    for (const [index, [grid, community]] of places.entries()) {
      const outcome = await cloud().incidents.fromAlert(doorForced(grid, community, index));
      expect(outcome).toMatchObject({ outcome: 'held', repeats: 1, threshold: 2 });
    }
  }, 60_000);

  const get = <T = Record<string, unknown>>(who: Who, query = '') =>
    api<T>(cloud(), 'GET', `/api/v1/held-alerts${query}`, { token: tokens[who] as string });
  type Page = { held_alerts: Array<Record<string, unknown>>; next: string | null };
  const gridsOf = (page: Page) => page.held_alerts.map((alert) => alert.grid);

  it('refuses a call without a session (401), the admin token included: held alerts are read by territory', async () => {
    const none = await api(cloud(), 'GET', '/api/v1/held-alerts');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
    expect((await get('admin-token')).status).toBe(401);
  });

  it('shows each role the held alerts of its territory only, newest first, and refuses roles without one (403)', async () => {
    for (const who of EVERYONE.filter((who) => who !== 'admin-token')) {
      const response = await get<Page>(who);
      const sees = SEES[who];
      if (sees === undefined) {
        expect(response.status, who).toBe(403);
        expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
        continue;
      }
      expect(response.status, `${who}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(gridsOf(response.body), who).toEqual(sees);
      expect(response.body.next).toBeNull();
    }
    const { body } = await get<Page>('property', `?community=${COMMUNITY_A}`);
    expect(body.held_alerts[1]).toEqual({
      alert_id: `held-${backend}-${GRID_A1}`,
      category: 'safety.access.door_forced',
      policy_category: 'safety.access',
      severity: 'minor',
      drill: false,
      gateway_id: 'gw-320803-001',
      device_id: `door-${GRID_A1}`,
      community: COMMUNITY_A,
      grid: GRID_A1,
      building: '1',
      occurred_at: '2026-11-25T02:00:00.000Z',
      recorded_at: clock().toISOString(),
      incident_id: null,
      alert: expect.objectContaining({ alert_id: `held-${backend}-${GRID_A1}`, severity: 'minor' }),
    });
  });

  it('filters by category and community, never beyond the caller’s territory', async () => {
    expect(gridsOf((await get<Page>('district-admin', `?community=${COMMUNITY_B}`)).body)).toEqual([GRID_B1]);
    expect(gridsOf((await get<Page>('property', `?community=${COMMUNITY_B}`)).body)).toEqual([]);
    expect(gridsOf((await get<Page>('operator', '?category=safety')).body)).toEqual([GRID_B1, GRID_A2, GRID_A1]);
    expect(gridsOf((await get<Page>('operator', '?category=safety.fire_lane')).body)).toEqual([]);
    expect(gridsOf((await get<Page>('operator', '?category=safety.access&pending=true')).body)).toHaveLength(3);
  });

  it('pages with the cursor of the previous page', async () => {
    const first = await get<Page>('district-admin', '?limit=3');
    expect(gridsOf(first.body)).toEqual([GRID_C1, GRID_B1, GRID_A2]);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await get<Page>('district-admin', `?limit=3&after=${first.body.next}`);
    expect(gridsOf(second.body)).toEqual([GRID_A1]);
    expect(second.body.next).toBeNull();
  });

  it('answers an invalid query with 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['?limit=0', 'limit'],
      ['?limit=500', 'limit'],
      ['?after=not-a-cursor', 'after'],
      ['?community=3208', 'community'],
      ['?category=Not%20A%20Code', 'category'],
      ['?pending=yes', 'pending'],
      ['?colour=red', 'colour'],
    ];
    for (const [query, parameter] of cases) {
      const response = await get<{ code: string; errors: Array<{ parameter: string }> }>('operator', query);
      expect(response.status, query).toBe(400);
      expect(response.body.code).toBe('GL_VALIDATION_FAILED');
      expect(
        response.body.errors.map((error) => error.parameter),
        query,
      ).toContain(parameter);
    }
  });

  it('audits each read as a view, with its filters', async () => {
    await get('property-b', `?category=safety.access&community=${COMMUNITY_B}`);
    const { rows } = await cloud().db.query<{ actor: string; action: string; details: Record<string, unknown> }>(
      "SELECT actor, action, details FROM audit_log WHERE target = 'held_alerts' AND actor = $1 ORDER BY id DESC LIMIT 1",
      [`user:${ids['property-b']}`],
    );
    expect(rows).toEqual([
      {
        actor: `user:${ids['property-b']}`,
        action: 'held_alerts.view',
        details: { category: 'safety.access', community: COMMUNITY_B, pending: null, alerts: 1 },
      },
    ]);
  });
});
