import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OnvifCameraSimulator } from '@gridlink/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import type { CameraTiming } from '../onvif/camera-session.js';
import { startConsoleGateway } from './console-test-support.js';

const PASSWORD = 'camera-secret-1';
const POLL = { timeout: 15_000, interval: 50 };
/** Seconds where real cameras get minutes. */
const FAST: Partial<CameraTiming> = {
  windowS: 4,
  pullTimeoutS: 1,
  requestTimeoutMs: 3000,
  checkIntervalMs: 500,
  backoff: { initialMs: 100, maxMs: 1000 },
  authBackoff: { initialMs: 1000, maxMs: 5000 },
};

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.stop()));
});

async function camera(id = 'cam-gate-01', model = 'GL-IPC-2M') {
  const simulator = new OnvifCameraSimulator({ id, username: 'admin', password: PASSWORD, model });
  await simulator.start();
  running.push(simulator);
  return simulator;
}

/** A console gateway with cameras on, multicast discovery off (tests probe each simulator's own port). */
async function start(options: { cameras?: unknown[]; cameraThrottle?: { burst: number; perMinute: number } } = {}) {
  const started = await startConsoleGateway({
    config: {
      onvif: {
        enabled: true,
        discovery: { multicast: false, listen_hello: false, timeout_ms: 300 },
        ...(options.cameras ? { cameras: options.cameras as never } : {}),
      },
    },
    console: options.cameraThrottle ? { cameraThrottle: options.cameraThrottle } : {},
    onvif: { timing: FAST, env: { YAML_CAMERA_PASSWORD: PASSWORD } },
  });
  running.unshift(started);
  return started;
}

async function call(base: string, method: string, path: string, cookie?: string, body: unknown = {}) {
  return fetch(`${base}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
const body = (response: Response): Promise<any> => response.json();

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
async function listed(base: string, cookie: string, id: string): Promise<any> {
  const { cameras } = await body(await call(base, 'GET', '/api/console/cameras', cookie));
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
  return cameras.find((c: any) => c.id === id);
}

const onboarding = (simulator: OnvifCameraSimulator, password = PASSWORD, id = 'cam-gate-01') => ({
  id,
  address: new URL(simulator.deviceServiceUrl).host,
  username: 'admin',
  password,
});

describe('the cameras page’s API', () => {
  it('refuses each camera route without a session (401), every camera change to an observer (403), and lets the observer see the list and a snapshot', async () => {
    const simulator = await camera();
    const { gateway, base, signIn, installer, observer } = await start();
    const routes = (gateway.console?.routes.routes ?? []).filter((route) =>
      route.path.startsWith('/api/console/cameras'),
    );
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'GET /api/console/cameras',
      'GET /api/console/cameras/x/snapshot',
      'POST /api/console/cameras',
      'POST /api/console/cameras/discover',
      'POST /api/console/cameras/x/remove',
    ]);
    const admin = await signIn(installer.username, installer.password);
    expect((await call(base, 'POST', '/api/console/cameras', admin, onboarding(simulator))).status).toBe(201);
    await expect.poll(async () => (await listed(base, admin, 'cam-gate-01'))?.state, POLL).toBe('subscribed');

    const watcher = await signIn(observer.username, observer.password);
    for (const route of routes) {
      const path = route.path.replace('/x/', '/cam-gate-01/');
      for (const cookie of [undefined, 'gridlink_console=forged']) {
        expect((await call(base, route.method, path, cookie)).status, `${route.method} ${path}`).toBe(401);
      }
      const response = await call(base, route.method, path, watcher, onboarding(simulator, PASSWORD, 'cam-other-02'));
      expect(response.status, `${route.method} ${path} as observer`).toBe(route.change ? 403 : 200);
    }
    expect(gateway.onvif?.cameraList().map((c) => c.id)).toEqual(['cam-gate-01']);
  });

  it('finds the simulator’s camera by a unicast probe to its discovery port (multicast is off in tests): model, address, scopes, and whether it is configured', async () => {
    const simulator = await camera('cam-gate-01', 'DS-2CD2143');
    const { base, signIn, installer, registry } = await start();
    const cookie = await signIn(installer.username, installer.password);
    const scan = async () =>
      body(
        await call(base, 'POST', '/api/console/cameras/discover', cookie, {
          targets: [`127.0.0.1:${simulator.discoveryPort}`],
        }),
      );
    const before = await scan();
    expect(before.cameras).toEqual([
      expect.objectContaining({
        model: 'DS-2CD2143',
        xaddrs: [simulator.deviceServiceUrl],
        scopes: expect.arrayContaining(['onvif://www.onvif.org/hardware/DS-2CD2143']),
      }),
    ]);
    expect(before.cameras[0].configuredAs).toBeUndefined();
    expect((await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator))).status).toBe(201);
    expect((await scan()).cameras[0].configuredAs).toBe('cam-gate-01');
    const bad = await call(base, 'POST', '/api/console/cameras/discover', cookie, { targets: ['http://x/'] });
    expect(bad.status).toBe(400);
    expect((await body(bad)).detail).toMatch(/^targets: /);
    expect(registry.auditLog().map((entry) => entry.action)).toContain('camera.discover');
  });

  it('onboards with the right credentials: checked on the camera, kept 0600 with the password in a file of its own, running at once and again after a restart', async () => {
    const simulator = await camera();
    const started = await start();
    const { signIn, installer, registry, config } = started;
    let cookie = await signIn(installer.username, installer.password);
    const answer = await call(started.base, 'POST', '/api/console/cameras', cookie, onboarding(simulator));
    expect(answer.status).toBe(201);
    expect((await body(answer)).camera).toMatchObject({
      id: 'cam-gate-01',
      source: 'console',
      address: simulator.deviceServiceUrl,
      info: { model: 'GL-IPC-2M' },
    });
    expect(registry.get('cam-gate-01')?.kind).toBe('onvif_camera');
    await expect.poll(async () => (await listed(started.base, cookie, 'cam-gate-01'))?.state, POLL).toBe('subscribed');

    const dir = join(config.gateway.data_dir, 'onvif', 'cameras');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'cam-gate-01.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cam-gate-01.password')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'cam-gate-01.json'), 'utf8')).not.toContain(PASSWORD);
    expect(readFileSync(join(dir, 'cam-gate-01.password'), 'utf8')).toBe(`${PASSWORD}\n`);
    const audit = registry.auditLog().find((entry) => entry.action === 'camera.onboard');
    expect(audit).toMatchObject({ username: 'installer-1', target: 'cam-gate-01' });
    expect(JSON.stringify(registry.auditLog())).not.toContain(PASSWORD);

    const base = await started.restart();
    cookie = await signIn(installer.username, installer.password);
    await expect.poll(async () => (await listed(base, cookie, 'cam-gate-01'))?.state, POLL).toBe('subscribed');

    // Events reach the last hour's list, and a snapshot comes through the gateway.
    simulator.setMotion(true);
    await expect
      .poll(async () => (await listed(base, cookie, 'cam-gate-01'))?.events.map((e: { type: string }) => e.type), POLL)
      .toContain('motion');
    const snapshot = await call(base, 'GET', '/api/console/cameras/cam-gate-01/snapshot', cookie);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    expect(snapshot.headers.get('cache-control')).toBe('no-store');
    const jpeg = Buffer.from(await snapshot.arrayBuffer());
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('refuses a wrong password naming the field, keeps nothing, tries the camera once per request and throttles repeated refusals', async () => {
    const simulator = await camera();
    const { base, signIn, installer, registry, config, gateway } = await start({
      cameraThrottle: { burst: 2, perMinute: 1 },
    });
    const cookie = await signIn(installer.username, installer.password);
    const asked = () => simulator.received('GetDeviceInformation');
    const first = await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator, 'wrong-password'));
    expect(first.status).toBe(422);
    const problem = await body(first);
    expect(problem.code).toBe('GL_CAMERA_REFUSED_CREDENTIALS');
    expect(problem.detail).toMatch(/^password: the camera refused the username or password/);
    expect(asked()).toBe(1);
    expect((await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator, 'wrong-2'))).status).toBe(
      422,
    );
    expect(asked()).toBe(2);
    const throttled = await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator, 'wrong-3'));
    expect(throttled.status).toBe(429);
    expect((await body(throttled)).detail).toMatch(/^password: .*wait a minute/);
    expect(asked()).toBe(2);

    expect(gateway.onvif?.cameraList()).toEqual([]);
    expect(registry.get('cam-gate-01')).toBeUndefined();
    expect(() => statSync(join(config.gateway.data_dir, 'onvif', 'cameras', 'cam-gate-01.password'))).toThrow();
    expect(registry.auditLog().filter((entry) => entry.action === 'camera.onboard_refused')).toHaveLength(2);
  });

  it('names the field of every bad onboarding form, and an address nothing answers at', async () => {
    const simulator = await camera();
    const { base, signIn, installer } = await start();
    const cookie = await signIn(installer.username, installer.password);
    const good = onboarding(simulator);
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ ...good, id: 'Cam 1' }, 400, /^id: /],
      [{ ...good, id: 'dc-b1-u1-0101' }, 409, /^id: dc-b1-u1-0101 is a door_contact/],
      [{ ...good, address: '' }, 400, /^address: required/],
      [{ ...good, address: 'not a host!' }, 400, /^address: /],
      [{ ...good, username: undefined }, 400, /^username: required/],
      [{ ...good, password: '' }, 400, /^password: required/],
      [{ ...good, events: 'sometimes' }, 400, /^events: auto, pullpoint or push/],
      [
        { ...good, address: '127.0.0.1:9' },
        502,
        /^address: no camera answers at http:\/\/127\.0\.0\.1:9\/onvif\/device_service/,
      ],
    ];
    for (const [form, status, detail] of cases) {
      const response = await call(base, 'POST', '/api/console/cameras', cookie, form);
      expect(response.status, JSON.stringify(form)).toBe(status);
      expect((await body(response)).detail).toMatch(detail);
    }
  });

  it('removes a camera onboarded in the console (stopped, files gone) but not one from gateway.yaml; gateway.yaml wins an id both name, said in health', async () => {
    const simulator = await camera();
    const other = await camera('cam-east-02');
    const yaml = {
      id: 'cam-east-02',
      xaddr: other.deviceServiceUrl,
      username: 'admin',
      password_env: 'YAML_CAMERA_PASSWORD',
    };
    const started = await start({ cameras: [yaml] });
    const { signIn, installer, registry, config } = started;
    await registry.addDevices([{ id: 'cam-east-02', kind: 'onvif_camera', community: config.gateway.community }]);
    let base = await started.restart();
    let cookie = await signIn(installer.username, installer.password);
    expect((await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator))).status).toBe(201);
    const taken = await call(base, 'POST', '/api/console/cameras', cookie, onboarding(other, PASSWORD, 'cam-east-02'));
    expect(taken.status).toBe(409);
    expect((await body(taken)).detail).toMatch(/^id: camera cam-east-02 is already configured/);

    const fromYaml = await call(base, 'POST', '/api/console/cameras/cam-east-02/remove', cookie);
    expect(fromYaml.status).toBe(409);
    expect((await body(fromYaml)).detail).toMatch(/gateway\.yaml/);
    expect((await call(base, 'POST', '/api/console/cameras/cam-none/remove', cookie)).status).toBe(404);
    const removed = await call(base, 'POST', '/api/console/cameras/cam-gate-01/remove', cookie);
    expect(removed.status).toBe(200);
    const dir = join(config.gateway.data_dir, 'onvif', 'cameras');
    expect(() => statSync(join(dir, 'cam-gate-01.json'))).toThrow();
    expect(() => statSync(join(dir, 'cam-gate-01.password'))).toThrow();
    expect(started.gateway.onvif?.cameraList().map((c) => c.id)).toEqual(['cam-east-02']);
    expect(registry.auditLog()[0]).toMatchObject({ action: 'camera.remove', target: 'cam-gate-01' });

    // A file onboarded for an id gateway.yaml also names (written by hand, or before the YAML had it).
    await call(base, 'POST', '/api/console/cameras', cookie, onboarding(simulator));
    const { writeFileSync, renameSync } = await import('node:fs');
    renameSync(join(dir, 'cam-gate-01.password'), join(dir, 'cam-east-02.password'));
    const stored = JSON.parse(readFileSync(join(dir, 'cam-gate-01.json'), 'utf8'));
    writeFileSync(join(dir, 'cam-east-02.json'), JSON.stringify({ ...stored, id: 'cam-east-02' }));
    base = await started.restart();
    cookie = await signIn(installer.username, installer.password);
    const east = await listed(base, cookie, 'cam-east-02');
    expect(east.source).toBe('config');
    // The cam-gate-01 file lost its password file: named as the console keeps it, with the path.
    expect((await listed(base, cookie, 'cam-gate-01'))?.health.error).toMatch(
      /^the console's camera cam-gate-01\.password_file: cannot read .*cam-gate-01\.password: ENOENT/,
    );
    await expect
      .poll(() => started.gateway.onvif?.cameraHealth().find((c) => c.id === 'cam-east-02')?.error, POLL)
      .toMatch(/also onboarded in the console .*the gateway\.yaml entry is used/);
  });
});
