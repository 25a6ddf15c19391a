import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn, signInCast } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const WEBHOOK = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-webhook-key';
const DINGTALK = 'https://oapi.dingtalk.com/robot/send?access_token=very-secret-access-token';

interface AuditRow {
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

/**
 * Every configuration write (the catalogue, time limits, device-event policies, each settings
 * group, the robots) leaves an audit record naming who changed what, with the value before and
 * after, so the administration pages can show each record's history.
 */
describe.each(BACKENDS)('configuration changes are audited with who, before and after (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  let token = '';
  let actor = '';

  beforeAll(async () => {
    const cast = await signInCast(cloud(), `${backend}-audit`, {
      admin: [{ role: 'district_admin', scope: '320803' }],
    });
    token = cast.tokens.admin;
    actor = `user:${cast.ids.admin}`;
  });

  const latest = async (target: string): Promise<AuditRow | undefined> => {
    const { rows } = await cloud().db.query<AuditRow>(
      'SELECT actor, action, details FROM audit_log WHERE target = $1 AND action NOT LIKE $2 ORDER BY id DESC LIMIT 1',
      [target, '%.view'],
    );
    return rows[0];
  };
  const put = async (path: string, body: unknown) => {
    const answer = await api(cloud(), 'PUT', path, { token, body });
    expect(answer.status, `PUT ${path}: ${JSON.stringify(answer.body)}`).toBeOneOf([200, 201]);
    return answer.body;
  };
  const current = async (path: string) => (await api(cloud(), 'GET', path, { token: TEST_ADMIN_TOKEN })).body;

  it('records each settings group, category, time limit and device-event policy change with before and after', async () => {
    const changes: Array<{ path: string; target: string; body: (before: Record<string, unknown>) => unknown }> = [
      {
        path: '/api/v1/settings/deadlines',
        target: 'deadlines:settings',
        body: (b) => ({ ...b, unsignedMinutes: 15 }),
      },
      {
        path: '/api/v1/settings/incidents',
        target: 'incidents:settings',
        body: (b) => ({ ...b }),
      },
      {
        path: '/api/v1/settings/kpis',
        target: 'kpi:settings',
        body: (b) => ({ ...b, exclude_suspended_from_due: true }),
      },
      { path: '/api/v1/settings/maintenance', target: 'maintenance:settings', body: (b) => ({ ...b }) },
      { path: '/api/v1/settings/sessions', target: 'sessions:settings', body: (b) => ({ ...b }) },
      {
        path: '/api/v1/settings/dispatch',
        target: 'dispatch:settings',
        body: (b) => ({ ...b, auto_dispatch: false }),
      },
      { path: '/api/v1/settings/patrol', target: 'patrol:settings', body: (b) => ({ ...b, retention_days: 60 }) },
      { path: '/api/v1/worklog/settings', target: 'worklog:settings', body: () => ({ retention_days: 400 }) },
    ];
    for (const change of changes) {
      const before = (await current(change.path)) as Record<string, unknown>;
      const after = await put(change.path, change.body(before));
      const record = await latest(change.target);
      expect(record, change.target).toMatchObject({ actor, details: { before, after } });
    }

    const category = { name: { zh: '其他', en: 'Other' }, default_severity: 'major' };
    await put('/api/v1/categories/other', category);
    expect(await latest('category:other')).toMatchObject({
      actor,
      details: { before: { default_severity: 'minor' }, after: { default_severity: 'major' } },
    });

    const limit = { category: 'other', severity: 'major', step: 'handle', limit: { value: 3, unit: 'working_days' } };
    await put('/api/v1/time-limits', limit);
    expect(await latest('time_limit:other:major:handle')).toMatchObject({
      actor,
      details: { before: null, after: limit.limit },
    });

    const removed = await api(cloud(), 'DELETE', '/api/v1/time-limits/other/major/handle', { token });
    expect(removed.status).toBe(204);
    expect(await latest('time_limit:other:major:handle')).toMatchObject({
      actor,
      action: 'time_limit.remove',
      details: { before: limit.limit, after: null },
    });

    await put('/api/v1/device-event-policies/safety.audit_probe', { policy: 'alert_only' });
    expect(await latest('device_event_policy:safety.audit_probe')).toMatchObject({
      actor,
      details: { before: null, after: { policy: 'alert_only' } },
    });
  });

  it('lists the whole catalogue for administrators, an inactive category too, and not for an operator', async () => {
    await put('/api/v1/categories/other.retired_probe', {
      name: { zh: '停用的分类', en: 'Retired' },
      default_severity: 'minor',
      active: false,
    });
    const all = await api<{ categories: Array<{ code: string; active: boolean; level: number }> }>(
      cloud(),
      'GET',
      '/api/v1/category-catalogue',
      { token },
    );
    expect(all.status).toBe(200);
    expect(all.body.categories).toContainEqual(
      expect.objectContaining({ code: 'other.retired_probe', active: false, level: 2 }),
    );
    const operator = await signedIn(cloud(), `${backend}-audit-op`, [{ role: 'operator', scope: '320803' }]);
    expect((await api(cloud(), 'GET', '/api/v1/category-catalogue', { token: operator.token })).status).toBe(403);
  });

  it('records robot changes with the robots before and after, never a webhook or a secret', async () => {
    const path = `/api/v1/communities/${COMMUNITY}/robots`;
    await put(path, { robots: [{ name: 'property', kind: 'wecom', webhook: WEBHOOK }] });
    await put(path, {
      robots: [
        { name: 'property', kind: 'wecom' },
        { name: 'grid', kind: 'dingtalk', webhook: DINGTALK, secret: 'SEC-very-secret-signing-key' },
      ],
    });
    const record = await latest(`robots:community:${COMMUNITY}`);
    expect(record).toMatchObject({
      actor,
      action: 'robots.replace',
      details: {
        before: [{ name: 'property', kind: 'wecom', webhook_set: true, secret_set: false }],
        after: [
          { name: 'grid', kind: 'dingtalk', webhook_set: true, secret_set: true },
          { name: 'property', kind: 'wecom', webhook_set: true, secret_set: false },
        ],
      },
    });
    expect(JSON.stringify(record)).not.toContain('very-secret');

    await put('/api/v1/disposal-units/unit-gas/robots', {
      robots: [{ name: 'duty', kind: 'wecom', webhook: WEBHOOK }],
    });
    const unit = await latest('robots:disposal_unit:unit-gas');
    expect(unit).toMatchObject({ actor, details: { before: [], after: [{ name: 'duty', kind: 'wecom' }] } });
    expect(JSON.stringify(unit)).not.toContain('very-secret');
  });
});
