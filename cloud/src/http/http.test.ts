import { createTestDatabase } from '@gridlink/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCloud } from '../start.js';
import { api, registerGateway, silentLogger, stateEvent, testCloudConfig, useTestCloud } from '../test-support.js';
import { PROBLEMS } from './problems.js';

describe('service endpoints', () => {
  const cloud = useTestCloud('postgres');

  it('/healthz and /readyz answer without authentication', async () => {
    expect(await api(cloud(), 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api(cloud(), 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('/openapi.json describes every route in OpenAPI 3.1, with the problem catalogue', async () => {
    const { status, body } = await api<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: { code?: { enum?: string[] } } }> };
    }>(cloud(), 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    // Grouped by feature, in the order of the cloud's plugins.
    expect(Object.keys(body.paths)).toEqual([
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/v1/gateways',
      '/api/v1/gateways/{id}/community',
      '/api/v1/gateways/{id}/token',
      '/api/v1/gateways/{id}/events',
      '/api/v1/gateways/{id}/downlink',
      '/api/v1/gateways/{id}/downlink/acks',
      '/api/v1/gateways/{id}/commissioning/link',
      '/api/v1/gateways/{id}/commissioning/drills/{alertId}',
      '/api/v1/gateways/{id}/commissioning/drills/{alertId}/end',
      '/api/v1/sessions',
      '/api/v1/sessions/refresh',
      '/api/v1/sessions/current',
      '/api/v1/me',
      '/api/v1/users',
      '/api/v1/users/{id}',
      '/api/v1/users/{id}/roles',
      '/api/v1/users/{id}/roles/{role}/{scope}',
      '/api/v1/users/{id}/leaves',
      '/api/v1/users/{id}/leaves/{leaveId}',
      '/api/v1/disposal-units',
      '/api/v1/disposal-units/{id}',
      '/api/v1/grids/{code}/members',
      '/api/v1/grids/{code}/members/{userId}',
      '/api/v1/grids/{code}/duty-periods',
      '/api/v1/grids/{code}/duty-periods/{periodId}',
      '/api/v1/grids/{code}/on-duty',
      '/api/v1/users/{id}/contact',
      '/api/v1/users/{id}/api-tokens',
      '/api/v1/users/{id}/api-tokens/{tokenId}',
      '/api/v1/audit-log',
      '/api/v1/notifications/stream',
      '/api/v1/communities/{code}/robots',
      '/api/v1/disposal-units/{id}/robots',
      '/api/v1/incidents/stream',
      '/api/v1/gateways/{id}/attachments',
      '/api/v1/incidents/{id}/snapshot-requests',
      '/api/v1/incidents/{id}/snapshot-requests/{request}',
      '/api/v1/hotline/platforms',
      '/api/v1/hotline/platforms/{id}',
      '/api/v1/hotline/orders',
      '/api/v1/hotline/orders/{ticket}/updates',
      '/api/v1/hotline/orders/{ticket}/extension-answer',
      '/api/v1/incidents/{id}/hotline',
      '/api/v1/incidents/{id}/hotline/reveal',
      '/api/v1/incidents/{id}/hotline/return',
      '/api/v1/incidents/{id}/hotline/extension',
      '/api/v1/incidents/{id}/co-handling',
      '/api/v1/incidents/{id}/co-handling/override',
      '/api/v1/co-tasks',
      '/api/v1/co-tasks/{task}/actions',
      '/api/v1/co-tasks/{task}/reassign',
      '/api/v1/co-handling/kpis',
      '/api/v1/incidents/nearby',
      '/api/v1/incidents',
      '/api/v1/incidents/{id}',
      '/api/v1/incidents/{id}/transitions',
      '/api/v1/incidents/{id}/attachments',
      '/api/v1/attachments/{id}',
      '/api/v1/incidents/{id}/actions',
      '/api/v1/incidents/{id}/assignees',
      '/api/v1/incident-lights',
      '/api/v1/device-event-policies',
      '/api/v1/device-event-policies/{category}',
      '/api/v1/held-alerts',
      '/api/v1/callbacks/{id}/verdicts',
      '/api/v1/callbacks/queue',
      '/api/v1/callbacks/{id}/reveal-contact',
      '/api/v1/callbacks/{id}/verdict',
      '/api/v1/kpis',
      '/api/v1/kpis/assessment',
      '/api/v1/kpis/assessment.xlsx',
      '/api/v1/kpis/patrol',
      '/api/v1/kpis/patrol.csv',
      '/api/v1/kpis/report.csv',
      '/api/v1/kpis/report.xlsx',
      '/api/v1/command-centre/overview',
      '/api/v1/settings/deadlines',
      '/api/v1/settings/dispatch',
      '/api/v1/settings/incidents',
      '/api/v1/settings/kpis',
      '/api/v1/settings/maintenance',
      '/api/v1/settings/sessions',
      '/api/v1/working-calendar/{year}',
      '/api/v1/categories',
      '/api/v1/category-catalogue',
      '/api/v1/categories/{code}',
      '/api/v1/time-limits',
      '/api/v1/time-limits/{category}/{severity}/{step}',
      '/api/v1/territory/areas',
      '/api/v1/territory/boundaries',
      '/api/v1/territory/search',
      '/api/v1/territory/imports',
      '/api/v1/territory/imports/{id}',
      '/api/v1/territory/imports/{id}/apply',
      '/api/v1/communities/{code}/devices',
      '/api/v1/communities/{code}/devices/{deviceId}',
      '/api/v1/gateways/{id}/devices',
      '/api/v1/communities/{code}/property/overview',
      '/api/v1/communities/{code}/alerts',
      '/api/v1/communities/{code}/alerts/{gatewayId}/{alertId}/acknowledge',
      '/api/v1/communities/{code}/alerts/{gatewayId}/{alertId}/handle',
      '/api/v1/communities/{code}/property/devices/{deviceId}',
      '/api/v1/communities/{code}/property/devices/{deviceId}/readings',
      '/api/v1/communities/{code}/property/kpis',
      '/api/v1/communities/{code}/property/stream',
      '/api/v1/settings/patrol',
      '/api/v1/patrol/grids/{grid}/routes',
      '/api/v1/patrol/routes/{id}',
      '/api/v1/patrol/tasks',
      '/api/v1/patrol/tasks/{id}/done',
      '/api/v1/patrol/day',
      '/api/v1/patrol/workers/{id}/day',
      '/api/v1/patrol/sessions',
      '/api/v1/patrol/sessions/{id}',
      '/api/v1/patrol/sessions/{id}/end',
      '/api/v1/patrol/sessions/{id}/positions',
      '/api/v1/patrol/sessions/{id}/checkins',
      '/api/v1/patrol/sessions/{id}/trajectory',
      '/api/v1/patrol/live',
      '/api/v1/patrol/photos',
      '/api/v1/patrol/photos/{id}',
      '/api/v1/fleet/gateways',
      '/api/v1/fleet/gateways/{id}',
      '/api/v1/communities/{code}/maintenance/repeat-offenders',
      '/api/v1/worklog/context',
      '/api/v1/worklog/places',
      '/api/v1/worklog/photos',
      '/api/v1/worklog/photos/{id}',
      '/api/v1/worklog/entries',
      '/api/v1/worklog/entries/{id}',
      '/api/v1/worklog/entries/{id}/reveal',
      '/api/v1/worklog/settings',
      '/api/v1/mediation/context',
      '/api/v1/mediation/mediators',
      '/api/v1/mediation/cases',
      '/api/v1/mediation/cases/{id}',
      '/api/v1/mediation/cases/{id}/parties',
      '/api/v1/mediation/cases/{id}/parties/{party}/reveal',
      '/api/v1/mediation/cases/{id}/parties/{party}/withdraw-consent',
      '/api/v1/mediation/cases/{id}/sessions',
      '/api/v1/mediation/cases/{id}/outcome',
      '/api/v1/mediation/cases/{id}/agreement',
      '/api/v1/mediation/cases/{id}/follow-ups',
      '/api/v1/mediation/cases/{id}/follow-ups/{followUp}',
      '/api/v1/mediation/kpis',
      '/api/v1/mediation/settings',
      '/api/v1/residents/categories',
      '/api/v1/residents/communities',
      '/api/v1/residents/phone-codes',
      '/api/v1/residents/photos',
      '/api/v1/residents/reports',
      '/api/v1/residents/track/{code}',
      '/api/v1/residents/track/{code}/photos/{id}',
      '/api/v1/residents/track/{code}/rating',
      '/api/v1/residents/incidents/{id}',
      '/api/v1/residents/incidents/{id}/reveal',
      '/api/v1/open311/v2/services.json',
      '/api/v1/open311/v2/services/{code}.json',
      '/api/v1/open311/v2/requests.json',
      '/api/v1/open311/v2/requests/{id}.json',
      '/api/v1/open311/v2/tokens/{token}.json',
    ]);
    expect(body.components.schemas.Problem?.properties?.code?.enum).toEqual(Object.keys(PROBLEMS));
    expect(body.components.schemas.DownlinkMessage).toHaveProperty('oneOf');
  });

  it('refuses every documented route and method without credentials, and with a made-up session or API token (401)', async () => {
    const { body } = await api<{ paths: Record<string, Record<string, unknown>> }>(cloud(), 'GET', '/openapi.json');
    // Open by design: the probes, and logging in (POST /sessions; refreshing needs its refresh token).
    // Residents report and follow their reports without an account, and Open311 clients read
    // without one (filing takes an api_key in the body, refused in Open311's own format).
    const open = new Set([
      'GET /healthz',
      'GET /readyz',
      'POST /api/v1/sessions',
      ...[
        'GET /categories',
        'GET /communities',
        'POST /phone-codes',
        'POST /photos',
        'POST /reports',
        'GET /track/{code}',
        'GET /track/{code}/photos/{id}',
        'POST /track/{code}/rating',
      ].map((route) => route.replace(' /', ' /api/v1/residents/')),
      ...[
        'GET /services.json',
        'GET /services/{code}.json',
        'GET /requests.json',
        'POST /requests.json',
        'GET /requests/{id}.json',
        'GET /tokens/{token}.json',
      ].map((route) => route.replace(' /', ' /api/v1/open311/v2/')),
    ]);
    const methods = ['get', 'post', 'put', 'patch', 'delete'];
    const sample: Record<string, string> = {
      id: 'x-1',
      code: '320803001001',
      userId: 'u-1',
      role: 'grid_worker',
      scope: '320803001001',
      category: 'emergency.fire',
      severity: 'major',
      step: 'handle',
    };
    const refusedOpenly: string[] = [];
    let checked = 0;
    for (const [template, operations] of Object.entries(body.paths)) {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => sample[name] ?? 'x');
      for (const method of methods.filter((m) => m in operations)) {
        const route = `${method.toUpperCase()} ${template}`;
        if (open.has(route)) continue;
        for (const token of [undefined, 'not-a-real-token', 'glt_not-a-real-api-token']) {
          const response = await api(cloud(), method.toUpperCase(), path, {
            ...(token === undefined ? {} : { token }),
            ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
          });
          checked++;
          if (response.status !== 401)
            refusedOpenly.push(`${route} (${token ? 'bad token' : 'none'}): ${response.status}`);
        }
      }
    }
    expect(refusedOpenly).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await api(cloud(), 'GET', '/api/v2/gateways', { headers: { 'accept-language': 'en' } });
    expect(response.status).toBe(404);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      code: 'GL_NOT_FOUND',
      detail: 'no route GET /api/v2/gateways; see /openapi.json',
    });
  });
});

describe.each(['postgres', 'pglite'] as const)('when the database fails (%s)', (backend) => {
  it('answers 503 with Retry-After, so the gateway retries the batch later', async () => {
    const database = backend === 'postgres' ? await createTestDatabase() : undefined;
    if (database) onTestFinished(database.drop);
    const cloud = await startCloud(testCloudConfig(database ? { url: database.url } : undefined), silentLogger());
    onTestFinished(() => cloud.stop().catch(() => {}));
    const token = await registerGateway(cloud, 'gw-db-down');

    // The database goes away under the running cloud.
    if (database) await database.drop();
    else await cloud.db.close();

    const response = await api(cloud, 'POST', '/api/v1/gateways/gw-db-down/events', {
      token,
      body: [stateEvent('gw-db-down')],
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.body).toMatchObject({ code: 'GL_DATABASE_UNAVAILABLE', status: 503 });
    expect((await api(cloud, 'GET', '/readyz')).body).toMatchObject({ status: 503, code: 'GL_NOT_READY' });
  });
});
