import { describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

/** Every tenant-wide setting route with a body it takes (the current values where there are some). */
async function tenantWrites(read: (path: string) => Promise<unknown>): Promise<Array<[string, unknown]>> {
  const current = async (path: string): Promise<[string, unknown]> => [path, await read(path)];
  return [
    await current('/api/v1/settings/deadlines'),
    await current('/api/v1/settings/dispatch'),
    await current('/api/v1/settings/incidents'),
    await current('/api/v1/settings/kpis'),
    await current('/api/v1/settings/sessions'),
    await current('/api/v1/settings/maintenance'),
    await current('/api/v1/settings/patrol'),
    await current('/api/v1/worklog/settings'),
    ['/api/v1/categories/other', { name: { zh: '其他', en: 'Other' }, default_severity: 'minor' }],
    ['/api/v1/time-limits', { category: '*', severity: '*', step: 'close', limit: { value: 1, unit: 'working_days' } }],
    ['/api/v1/device-event-policies/safety.tenant_probe', { policy: 'alert_only' }],
  ];
}

/**
 * Tenant-wide settings are one row for the deployment: in a deployment that serves two districts,
 * one district's admin would change the other's deadlines, dispatch and session rules.
 */
describe.each(BACKENDS)('tenant-wide settings in a deployment of two districts (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  // The refusals are read in English, as they are asserted.
  const put = (token: string, path: string, body: unknown) =>
    api(cloud(), 'PUT', path, { token, body, headers: { 'accept-language': 'en' } });

  it('attack: one district’s admin cannot change the tenant-wide settings of every district', async () => {
    const huaian = await signedIn(cloud(), 'huaian.admin', [{ role: 'district_admin', scope: '320803' }], '320803');
    const qingjiangpu = await signedIn(
      cloud(),
      'qingjiangpu.admin',
      [{ role: 'district_admin', scope: '320812' }],
      '320812',
    );
    const writes = await tenantWrites(
      async (path) => (await api(cloud(), 'GET', path, { token: TEST_ADMIN_TOKEN })).body,
    );
    for (const [path, body] of writes) {
      for (const { token } of [huaian, qingjiangpu]) {
        const refused = await put(token, path, body);
        expect(refused.status, `PUT ${path}`).toBe(403);
        expect(refused.body.code).toBe('GL_FORBIDDEN');
        expect(refused.body.detail).toMatch(/every district this deployment serves/);
      }
    }
    const before = await api<{ limits: { idleHours: number } }>(cloud(), 'GET', '/api/v1/settings/sessions', {
      token: TEST_ADMIN_TOKEN,
    });
    // The admin token, and an admin over both districts, still change them.
    const both = await signedIn(
      cloud(),
      'city.admin',
      [
        { role: 'district_admin', scope: '320803' },
        { role: 'district_admin', scope: '320812' },
      ],
      '320803',
    );
    for (const [path, body] of writes) {
      expect((await put(TEST_ADMIN_TOKEN, path, body)).status, `admin token PUT ${path}`).toBeOneOf([200, 201]);
      expect((await put(both.token, path, body)).status, `admin of both PUT ${path}`).toBeOneOf([200, 201]);
    }
    const after = await api(cloud(), 'GET', '/api/v1/settings/sessions', { token: TEST_ADMIN_TOKEN });
    expect(after.body).toEqual(before.body);
  });
});
