import type { ServerResponse } from 'node:http';
import { HashBudget } from '../credentials/hash-budget.js';
import { normalizeHost, probeTarget } from '../onvif/camera-address.js';
import { CameraCheckError } from '../onvif/camera-check.js';
import type { ScannedCamera } from '../onvif/discovery-scan.js';
import type { ConsoleCameraState, OnvifModule } from '../onvif/onvif-module.js';
import type { DeviceRegistry } from '../registry/index.js';
import { ConsoleProblem, type ConsoleRoute, json, readJson } from './http-kit.js';

/** Where a camera is in its onboarding, as the console shows it. */
export type CameraOnboarding = 'problem' | 'connecting' | 'refused' | 'onboarded' | 'subscribed';

/** A camera as the console lists it: its configuration's origin, what it is, its health and last hour. */
export interface ConsoleCamera extends ConsoleCameraState {
  state: CameraOnboarding;
}

export type { ScannedCamera };

export interface CamerasRoutesOptions {
  /** The running ONVIF module; undefined when `onvif.enabled` is false. */
  onvif: OnvifModule | undefined;
  registry: DeviceRegistry;
  /** The community new camera devices are registered in. */
  community: string;
  now?: () => number;
  /** Refused credentials a camera may be sent in a burst, and earned back per minute. */
  throttle?: { burst: number; perMinute: number };
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_TARGETS = 16;

export function consoleCamera(camera: ConsoleCameraState): ConsoleCamera {
  const { health } = camera;
  const state: CameraOnboarding = !camera.running
    ? 'problem'
    : health.subscribed
      ? 'subscribed'
      : health.authenticated
        ? 'onboarded'
        : /refused the credentials/.test(health.error ?? '')
          ? 'refused'
          : 'connecting';
  return { ...camera, state };
}

/** A refusal naming the form field to fix (the page shows it under that field). */
class FieldProblem extends ConsoleProblem {
  constructor(status: number, code: string, field: string, detail: string) {
    super(status, code, `${field}: ${detail}`);
  }
}

/** `http://host[:port]/onvif/device_service` from what the installer typed (a URL is kept as given). */
function deviceServiceUrl(address: string): string {
  const typed = address.trim();
  if (/^https?:\/\//i.test(typed)) {
    try {
      const url = new URL(typed);
      if (url.pathname === '/' || url.pathname === '') url.pathname = '/onvif/device_service';
      return url.toString();
    } catch {
      throw new FieldProblem(400, 'GL_INVALID_FIELD', 'address', `${typed.slice(0, 100)} is not a URL`);
    }
  }
  const { host, port } = probeTarget(typed);
  if (!/^[a-z0-9.:-]+$/i.test(host) || (port !== undefined && (port < 1 || port > 65535))) {
    throw new FieldProblem(
      400,
      'GL_INVALID_FIELD',
      'address',
      'the camera’s IP address or name (192.168.1.64, 192.168.1.64:8080) or its device service URL',
    );
  }
  const bare = normalizeHost(host);
  return `http://${bare.includes(':') ? `[${bare}]` : bare}${port ? `:${port}` : ''}/onvif/device_service`;
}

function text(body: Record<string, unknown>, field: string, max: number, what: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FieldProblem(400, 'GL_INVALID_FIELD', field, `required: ${what}`);
  }
  if (value.length > max) throw new FieldProblem(400, 'GL_INVALID_FIELD', field, `at most ${max} characters`);
  return value;
}

function onvifOf(options: CamerasRoutesOptions): OnvifModule {
  if (!options.onvif) {
    throw new ConsoleProblem(
      409,
      'GL_ONVIF_DISABLED',
      'cameras are off on this gateway: set onvif.enabled: true in gateway.yaml and restart it',
    );
  }
  return options.onvif;
}

/**
 * The cameras page's API: the configured cameras with their state and last hour, a discovery
 * scan, onboarding with credentials checked on the camera first, removal, and a snapshot taken
 * through the gateway (the installer's laptop cannot reach the camera LAN).
 */
export function camerasRoutes(options: CamerasRoutesOptions): ConsoleRoute[] {
  const { registry } = options;
  // Refused credentials spend a camera host's budget: an installer (or a script) retrying a
  // wrong password cannot lock the camera's account or hammer it.
  const refusals = new HashBudget(
    { ...(options.throttle ?? { burst: 3, perMinute: 1 }), concurrency: 2, maxAddresses: 1000 },
    options.now,
  );

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/cameras$/,
      change: false,
      handle: ({ res }) =>
        json(res, 200, {
          enabled: options.onvif !== undefined,
          cameras: (options.onvif?.cameraList() ?? []).map(consoleCamera),
        }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/cameras\/discover$/,
      change: true,
      handle: async ({ req, res, audit }) => {
        const onvif = onvifOf(options);
        const body = await readJson(req);
        const typed = body.targets ?? [];
        if (!Array.isArray(typed) || typed.length > MAX_TARGETS || !typed.every((t) => typeof t === 'string')) {
          throw new FieldProblem(400, 'GL_INVALID_FIELD', 'targets', `a list of at most ${MAX_TARGETS} addresses`);
        }
        const targets = (typed as string[])
          .map((target) => target.trim())
          .filter((target) => target !== '')
          .map((target) => {
            const parsed = probeTarget(target);
            if (!/^[a-z0-9.:-]+$/i.test(parsed.host)) {
              throw new FieldProblem(
                400,
                'GL_INVALID_FIELD',
                'targets',
                `${target.slice(0, 60)} is not host or host:port`,
              );
            }
            return parsed;
          });
        const cameras = await onvif.scan(targets);
        audit('camera.discover', undefined, `${cameras.length} answered`);
        json(res, 200, { cameras });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/cameras$/,
      change: true,
      handle: async ({ req, res, audit }) => {
        const onvif = onvifOf(options);
        const body = await readJson(req);
        const id = text(body, 'id', 63, 'the camera’s device id, e.g. cam-gate-01');
        if (!ID.test(id)) throw new FieldProblem(400, 'GL_INVALID_FIELD', 'id', '1-63 of a-z, 0-9 and "-"');
        const xaddr = deviceServiceUrl(text(body, 'address', 300, 'the camera’s IP address or device service URL'));
        const username = text(body, 'username', 64, 'the camera account’s name');
        const password = text(body, 'password', 256, 'the camera account’s password');
        const events = body.events ?? 'auto';
        if (events !== 'auto' && events !== 'pullpoint' && events !== 'push') {
          throw new FieldProblem(400, 'GL_INVALID_FIELD', 'events', 'auto, pullpoint or push');
        }
        const device = registry.get(id);
        if (device && (device.kind !== 'onvif_camera' || device.status !== 'active')) {
          throw new FieldProblem(
            409,
            'GL_ID_TAKEN',
            'id',
            device.status === 'active' ? `${id} is a ${device.kind} in the registry` : `${id} is retired`,
          );
        }
        const host = new URL(xaddr).hostname;
        let outcome: Awaited<ReturnType<OnvifModule['add']>> | undefined;
        let failure: unknown;
        const verdict = await refusals.run(host, async () => {
          try {
            outcome = await onvif.add(
              { id, xaddr, username, events, insecure_tls: false, unsubscribe_on_stop: true },
              password,
              async () => {
                if (!device) await registry.addDevices([{ id, kind: 'onvif_camera', community: options.community }]);
              },
            );
            return true;
          } catch (error) {
            failure = error;
            return !(error instanceof CameraCheckError && error.field === 'password');
          }
        });
        if (verdict === 'throttled') {
          res.setHeader('retry-after', '60');
          throw new FieldProblem(
            429,
            'GL_TOO_MANY_ATTEMPTS',
            'password',
            `the camera at ${host} refused several passwords just now: wait a minute before trying again`,
          );
        }
        if (failure instanceof CameraCheckError) {
          if (failure.field === 'password') audit('camera.onboard_refused', id, xaddr);
          const [status, code] =
            failure.field === 'password'
              ? [422, 'GL_CAMERA_REFUSED_CREDENTIALS']
              : failure.field === 'id'
                ? [409, 'GL_CAMERA_EXISTS']
                : [502, 'GL_CAMERA_UNREACHABLE'];
          throw new FieldProblem(status, code, failure.field, failure.message);
        }
        if (failure !== undefined || !outcome) throw failure;
        audit('camera.onboard', id, xaddr);
        const camera = onvif.cameraList().find((candidate) => candidate.id === id);
        json(res, 201, { camera: camera ? consoleCamera(camera) : undefined, clockOffsetMs: outcome.clockOffsetMs });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/cameras\/([^/]+)\/remove$/,
      change: true,
      handle: async ({ res, params, audit }) => {
        const id = params[0] ?? '';
        const removed = await onvifOf(options).remove(id);
        if (removed === 'not_found') throw new ConsoleProblem(404, 'GL_NOT_FOUND', `no camera ${id}`);
        if (removed === 'in_config') {
          throw new ConsoleProblem(
            409,
            'GL_CAMERA_IN_CONFIG',
            `camera ${id} is configured in gateway.yaml: remove it there and restart the gateway`,
          );
        }
        // The device stays in the registry (its history, its tags): retire it on the devices page.
        audit('camera.remove', id);
        json(res, 200, { removed: id });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/cameras\/([^/]+)\/snapshot$/,
      change: false,
      handle: async ({ res, params }) => {
        const id = params[0] ?? '';
        let jpeg: Buffer | undefined;
        try {
          jpeg = await options.onvif?.liveSnapshot(id);
        } catch (error) {
          throw new ConsoleProblem(
            502,
            'GL_SNAPSHOT_FAILED',
            `camera ${id} gave no snapshot: ${(error as Error).message}`,
          );
        }
        if (!jpeg) throw new ConsoleProblem(404, 'GL_NOT_FOUND', `no running camera ${id}`);
        sendJpeg(res, jpeg);
      },
    },
  ];
}

function sendJpeg(res: ServerResponse, jpeg: Buffer): void {
  res
    .writeHead(200, {
      'content-type': 'image/jpeg',
      'content-length': String(jpeg.length),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .end(jpeg);
}

/**
 * Camera changes to open consoles: the rows that changed (health, a new event) and the ones
 * removed, batched every `intervalMs` and at most `perPush` rows a push (each with up to 50 events), so a camera reporting
 * motion every second costs one small frame a second, never a frame big enough to cut a reader.
 */
export function pushCameraChanges(
  onvif: OnvifModule,
  send: (event: string, data: unknown) => void,
  intervalMs = 1000,
  perPush = 4,
): () => void {
  const changed = new Set<string>();
  const unwatch = onvif.watch((id) => changed.add(id));
  const timer = setInterval(() => {
    if (changed.size === 0) return;
    const ids = [...changed].slice(0, perPush);
    for (const id of ids) changed.delete(id);
    const rows = new Map(onvif.cameraList().map((camera) => [camera.id, camera]));
    const cameras = ids.flatMap((id) => {
      const row = rows.get(id);
      return row ? [consoleCamera(row)] : [];
    });
    send('cameras', { cameras, removed: ids.filter((id) => !rows.has(id)) });
  }, intervalMs);
  timer.unref();
  return () => {
    unwatch();
    clearInterval(timer);
  };
}
