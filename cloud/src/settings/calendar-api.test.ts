import { beforeAll, describe, expect, it } from 'vitest';
import { signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { WorkingCalendarYear } from './calendar-routes.js';

/**
 * `GET /working-calendar/{year}`: what the working-calendar page draws, the statutory days off and
 * make-up workdays (调休) with the tenant's own days, which the deadline settings keep.
 */
describe.each(BACKENDS)('the working calendar of a year (%s)', (backend) => {
  const cloud = useTestCloud(backend, { clock: manualClock(), dispatchSweepMs: 3_600_000 });
  let tokens: Record<'admin' | 'operator' | 'worker', string>;

  beforeAll(async () => {
    ({ tokens } = await signInCast(cloud(), `${backend}-cal`, {
      admin: [{ role: 'district_admin', scope: '320803' }],
      operator: [{ role: 'operator', scope: '320803001' }],
      worker: [{ role: 'grid_worker', scope: '320803001001001' }],
    }));
  });

  it('shows the State Council’s 2026 National Day holiday and its make-up workdays, and the tenant’s own days', async () => {
    const settings = await api<{ time: Record<string, unknown> }>(cloud(), 'GET', '/api/v1/settings/deadlines', {
      token: TEST_ADMIN_TOKEN,
    });
    const days = { holidays: ['2026-03-12', '2025-12-31'], workdays: ['2026-10-04'] };
    const put = await api(cloud(), 'PUT', '/api/v1/settings/deadlines', {
      token: tokens.admin,
      body: { ...settings.body, time: { ...settings.body.time, days } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const year = await api<WorkingCalendarYear>(cloud(), 'GET', '/api/v1/working-calendar/2026', {
      token: tokens.operator,
    });
    expect(year.status, JSON.stringify(year.body)).toBe(200);
    expect(year.body).toMatchObject({ year: 2026, covered: true });
    expect(year.body.statutory).toContainEqual({
      date: '2026-10-01',
      kind: 'holiday',
      name: { zh: '国庆节', en: 'National Day' },
    });
    expect(year.body.statutory.filter((day) => day.kind === 'workday').map((day) => day.date)).toContain('2026-09-20');
    // Only the year's own tenant days.
    expect(year.body.tenant).toEqual({ holidays: ['2026-03-12'], workdays: ['2026-10-04'] });
  });

  it('names the year when the path holds none, and answers a year without an arrangement as not covered', async () => {
    const wrong = await api(cloud(), 'GET', '/api/v1/working-calendar/twenty', {
      token: tokens.admin,
      headers: { 'accept-language': 'en' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ parameter: 'year' }] });
    const far = await api<WorkingCalendarYear>(cloud(), 'GET', '/api/v1/working-calendar/2099', {
      token: tokens.admin,
    });
    expect(far.body).toMatchObject({ year: 2099, covered: false, statutory: [] });
  });

  it('is read by those who read the deadline settings, not by a grid worker', async () => {
    const refused = await api(cloud(), 'GET', '/api/v1/working-calendar/2026', { token: tokens.worker });
    expect(refused.status).toBe(403);
    expect((await api(cloud(), 'GET', '/api/v1/working-calendar/2026')).status).toBe(401);
  });
});
