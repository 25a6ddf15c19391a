import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createTestCertificates } from '@gridlink/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsoleGateway } from './console-test-support.js';

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

async function start(options: Parameters<typeof startConsoleGateway>[0] = {}) {
  const started = await startConsoleGateway(options);
  running.push(started);
  return started;
}

async function call(base: string, method: string, path: string, cookie?: string, body: unknown = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  // An event stream stays open: read only the status.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) await response.body?.cancel();
  return response;
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
const body = (response: Response): Promise<any> => response.json();

describe('the installer console API', () => {
  it('refuses every route without a session (401), and with a forged or ended one', async () => {
    const { gateway, base, signIn, installer } = await start();
    const routes = gateway.console?.routes.routes ?? [];
    expect(routes.length).toBeGreaterThanOrEqual(8);
    // Each feature's routes are in the table the sweeps walk.
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/console/rules',
        'POST /api/console/rules/check',
        'POST /api/console/rules/dry-run',
        'POST /api/console/rules/files/x',
        'POST /api/console/rules/files/x/delete',
        'GET /api/console/outbox',
        'POST /api/console/outbox/quarantine/x/resend',
        'POST /api/console/outbox/quarantine/x/discard',
      ]),
    );
    const ended = await signIn(installer.username, installer.password);
    await call(base, 'POST', '/api/console/logout', ended);
    for (const route of routes) {
      for (const cookie of [undefined, 'gridlink_console=forged', ended]) {
        const response = await call(base, route.method, route.path, cookie);
        expect(response.status, `${route.method} ${route.path} with ${cookie ?? 'no cookie'}`).toBe(401);
        expect((await body(response)).code).toBe('GL_UNAUTHENTICATED');
      }
    }
  });

  it('refuses every change to an observer (403) and lets it read', async () => {
    const { gateway, base, signIn, observer, devices, registry } = await start();
    const cookie = await signIn(observer.username, observer.password);
    const id = devices[0]?.device.id ?? '';
    // Sign-out last: it ends the session the sweep uses.
    const routes = [...(gateway.console?.routes.routes ?? [])].sort(
      (a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')),
    );
    for (const route of routes) {
      // A camera's routes need a running camera: cameras-api.test.ts sweeps them with one.
      if (route.path.startsWith('/api/console/cameras/x/')) continue;
      const path = route.path.replace(/\/x(\/|$)/, `/${id}$1`);
      const response = await call(base, route.method, path, cookie, { tags: ['elderly_alone'] });
      if (route.change) expect(response.status, `${route.method} ${path}`).toBe(403);
      else expect(response.status, `${route.method} ${path}`).toBe(200);
    }
    expect(registry.get(id)?.status).toBe('active');
    expect(registry.get(id)?.tags).toEqual([]);
  });

  it('lets an installer tag, rotate and retire, and audits each (who, what, when, from where)', async () => {
    const { base, signIn, installer, devices, registry } = await start();
    const cookie = await signIn(installer.username, installer.password);
    const id = devices[0]?.device.id ?? '';
    const tagged = await call(base, 'POST', `/api/console/devices/${id}/tags`, cookie, { tags: ['elderly_alone'] });
    expect(tagged.status).toBe(200);
    expect((await body(tagged)).device.tags).toEqual(['elderly_alone']);
    const rotated = await call(base, 'POST', `/api/console/devices/${id}/password`, cookie);
    const { password } = await body(rotated);
    expect(password).toMatch(/^[\w-]{20,}$/);
    const retired = await call(base, 'POST', `/api/console/devices/${id}/retire`, cookie, { reason: 'broken' });
    expect((await body(retired)).device.availability).toBe('retired');
    const bad = await call(base, 'POST', `/api/console/devices/${id}/tags`, cookie, { tags: ['x'] });
    expect(bad.status).toBe(409);

    const actions = registry.auditLog().map((entry) => [entry.username, entry.action, entry.target ?? null]);
    expect(actions).toEqual([
      ['installer-1', 'device.retire', id],
      ['installer-1', 'device.rotate_password', id],
      ['installer-1', 'device.tags', id],
      ['installer-1', 'login', null],
    ]);
    const log = await body(await call(base, 'GET', '/api/console/audit', cookie));
    expect(log.entries[0]).toMatchObject({ username: 'installer-1', role: 'installer', address: '127.0.0.1' });
    expect(JSON.stringify(log)).not.toContain(password);
  });

  it('sets an HttpOnly, SameSite=Strict cookie with an expiry, and ends it on logout', async () => {
    const { base, installer } = await start({ config: { http: { console: { session_hours: 2 } } } });
    const response = await fetch(`${base}/api/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(installer),
    });
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=7200/);
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await call(base, 'GET', '/api/console/session', cookie)).status).toBe(200);
    const out = await call(base, 'POST', '/api/console/logout', cookie);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await call(base, 'GET', '/api/console/session', cookie)).status).toBe(401);
  });

  it('refuses an integrator account (a Node-RED flow’s MQTT password) even with the right password', async () => {
    const { base, registry } = await start();
    const integrator = await registry.addService('nodered', 'integrator');
    const response = await fetch(`${base}/api/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nodered', password: integrator.password }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect((await body(response)).detail).toBe(
      'an integrator account is for MQTT (Node-RED) only: sign in with an installer or observer account',
    );
  });

  it('throttles failed sign-ins per account and per address, and the right password then waits too', async () => {
    const { base, installer, observer } = await start({ console: { throttle: { burst: 3, perMinute: 1 } } });
    const attempt = (username: string, password: string) =>
      fetch(`${base}/api/console/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      }).then((response) => response.status);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await attempt(installer.username, 'wrong'));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(await attempt(installer.username, installer.password)).toBe(429);
    // The address spent its failures on the installer: the observer from here waits as well.
    expect(await attempt(observer.username, observer.password)).toBe(429);
  });

  it('serves the pages with a strict policy and no session, and nothing else of the API', async () => {
    const { base } = await start();
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('/assets/app.js');
    expect(html).not.toMatch(/<script(?![^>]*src=)/);
    expect((await fetch(`${base}/assets/app.js`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^gridlink_console_sessions 0$/m);
    expect(metrics).toMatch(/^gridlink_console_streams_cut_total 0$/m);
  }, 120_000);

  it('serves the console over HTTPS when a certificate is configured, with a Secure cookie', async () => {
    const certificates = createTestCertificates();
    const { gateway, installer } = await start({
      config: { http: { cert_file: certificates.server.cert, key_file: certificates.server.key } },
    });
    const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: gateway.ports.http,
          path: '/api/console/login',
          method: 'POST',
          ca: readFileSync(certificates.ca),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(installer));
    });
    expect(answer.status).toBe(200);
    expect(answer.cookie).toMatch(/; Secure/);
    // Plain HTTP on the same port is not served.
    await expect(fetch(`http://127.0.0.1:${gateway.ports.http}/healthz`)).rejects.toThrow();
  });

  it('refuses a sign-in or change posted from another site (its Origin), and ends a signed-out browser’s live stream', async () => {
    const { base, installer, signIn, devices } = await start();
    const forged = await fetch(`${base}/api/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify(installer),
    });
    expect(forged.status).toBe(403);
    const cookie = await signIn(installer.username, installer.password);
    const id = devices[0]?.device.id ?? '';
    const change = await fetch(`${base}/api/console/devices/${id}/retire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example', cookie },
      body: '{}',
    });
    expect(change.status).toBe(403);

    const events = await fetch(`${base}/api/console/events`, { headers: { cookie } });
    expect(events.status).toBe(200);
    const reader = events.body?.getReader();
    if (!reader) throw new Error('no stream');
    await call(base, 'POST', '/api/console/logout', cookie);
    // The next push finds the session gone and ends the stream.
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });
});
