import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import type { RoleAssignment } from '../people/roles.js';
import { signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, silentLogger, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { MaintenancePolicy } from './policy.js';
import { DEFAULT_MAINTENANCE_SETTINGS, MAINTENANCE_SETTINGS_TARGET } from './settings.js';

const PEOPLE: Record<string, RoleAssignment[]> = {
  'district-admin': [{ role: 'district_admin', scope: '320803' }],
  'street-admin': [{ role: 'district_admin', scope: '320803001' }],
  operator: [{ role: 'operator', scope: '320803001' }],
  property: [{ role: 'property_manager', scope: '320803001001' }],
  'grid-worker': [{ role: 'grid_worker', scope: '320803001001001' }],
  installer: [{ role: 'installer', scope: 'gw-maint-api' }],
  'other-installer': [{ role: 'installer', scope: 'gw-maint-other' }],
  'other-property': [{ role: 'property_manager', scope: '320803001002' }],
};
type Who = keyof typeof PEOPLE | 'admin-token';
const PATH = '/api/v1/settings/maintenance';

/** The maintenance thresholds as tenant data: read by the centre and the property, changed by tenant admins. */
describe.each(BACKENDS)('maintenance thresholds API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, maintenanceSweepMs: 3_600_000 });
  const tokens: Partial<Record<Who, string>> = { 'admin-token': TEST_ADMIN_TOKEN };

  beforeAll(async () => {
    Object.assign(tokens, (await signInCast(cloud(), `${backend}-maint`, PEOPLE)).tokens);
  }, 60_000);

  const call = <T = Record<string, unknown>>(who: Who, method: string, body?: unknown) =>
    api<T>(cloud(), method, PATH, { token: tokens[who] as string, ...(body === undefined ? {} : { body }) });

  it('answers the seeded thresholds to the centre and the property, 403 to others', async () => {
    for (const who of ['admin-token', 'district-admin', 'street-admin', 'operator', 'property'] as Who[]) {
      const read = await call(who, 'GET');
      expect(read.status, who).toBe(200);
      expect(read.body).toEqual(DEFAULT_MAINTENANCE_SETTINGS);
    }
    expect((await call('grid-worker', 'GET')).status).toBe(403);
  });

  it('lets only tenant admins replace them (403 for a street admin, an operator, the property), audited', async () => {
    const body = { ...DEFAULT_MAINTENANCE_SETTINGS, offline_minutes_by_kind: { smoke_detector: 15 } };
    for (const who of ['street-admin', 'operator', 'property'] as Who[]) {
      const refused = await call(who, 'PUT', body);
      expect(refused.status, who).toBe(403);
      expect(refused.body).toMatchObject({ code: 'GL_FORBIDDEN' });
    }
    const put = await call('district-admin', 'PUT', body);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual(body);
    expect((await call('operator', 'GET')).body).toEqual(body);
    const audit = await auditOf(cloud().db, MAINTENANCE_SETTINGS_TARGET);
    expect(audit.filter((record) => record.action === 'maintenance.settings.replace').at(-1)).toMatchObject({
      details: { before: DEFAULT_MAINTENANCE_SETTINGS, after: body },
    });
    expect((await call('admin-token', 'PUT', DEFAULT_MAINTENANCE_SETTINGS)).status).toBe(200);
  });

  it('refuses bad thresholds with 400 naming each field', async () => {
    const bad = await call('admin-token', 'PUT', {
      ...DEFAULT_MAINTENANCE_SETTINGS,
      offline_minutes: 0,
      offline_minutes_by_kind: { smoke_detector: 1.5, toaster: 5 },
      repeat_window_days: 400,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    const pointers = (bad.body as { errors: Array<{ pointer: string }> }).errors.map((error) => error.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(['/offline_minutes', '/offline_minutes_by_kind/smoke_detector', '/repeat_window_days']),
    );
    expect(pointers.some((pointer) => pointer.startsWith('/offline_minutes_by_kind'))).toBe(true);
    const missing = await call('admin-token', 'PUT', { offline_minutes: 60 });
    expect(missing.status).toBe(400);
    expect((missing.body as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(
      expect.arrayContaining(['/offline_minutes_by_kind', '/gateway_silent_minutes', '/repeat_window_days']),
    );
    expect((await call('admin-token', 'GET')).body).toEqual(DEFAULT_MAINTENANCE_SETTINGS);
  });

  it('shows a silent gateway’s ticket to its installer and its community’s property, not to others', async () => {
    await cloud().db.query('INSERT INTO gateways (id, created_at, community) VALUES ($1, $2, $3)', [
      'gw-maint-api',
      clock(),
      '320803001001',
    ]);
    clock.advance(31 * 60_000);
    const policy = new MaintenancePolicy(cloud().db, cloud().incidents, { clock, logger: silentLogger() });
    const swept = await policy.sweep();
    expect(swept.opened).toHaveLength(1);
    const list = async (who: Who) => {
      const response = await api<{ incidents: Array<{ id: string; title: string }> }>(
        cloud(),
        'GET',
        '/api/v1/incidents?category=device_maintenance',
        { token: tokens[who] as string },
      );
      expect(response.status, `${who}: ${JSON.stringify(response.body)}`).toBe(200);
      return response.body.incidents.map((item) => item.id);
    };
    for (const who of ['installer', 'property'] as Who[]) expect(await list(who), who).toEqual(swept.opened);
    for (const who of ['other-installer', 'other-property'] as Who[]) expect(await list(who), who).toEqual([]);
  });
});
