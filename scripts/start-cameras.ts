/**
 * The community's ONVIF cameras for `npm start`: simulated cameras (real HTTP, SOAP and
 * WS-Discovery on loopback) in this process, each with a password made for this run and kept only
 * in an owner-only file the gateway reads, and the gateway's `onvif:` section that onboards them.
 * Now and then something happens in front of a camera (motion, a line crossed, rarely tamper).
 */
import { createSocket } from 'node:dgram';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type GatewayConfigInput, type GatewayOptions, generateSecret } from '@gridlink/gateway';
import { fork, OnvifCameraFarm, type OnvifCameraSimulator, type Random } from '@gridlink/simulators';

/** The ONVIF user the gateway logs in as (a dedicated user, as the gateway's README asks of real cameras). */
export const CAMERA_USERNAME = 'gridlink';

export interface CommunityCameras {
  farm: OnvifCameraFarm;
  /** The gateway's `onvif:` config section for these cameras. */
  config: NonNullable<GatewayConfigInput['onvif']>;
  /** The gateway's ONVIF options: where it hears the cameras' Hello. */
  options: NonNullable<GatewayOptions['onvif']>;
  /** Where each camera's password is kept (owner-only). */
  passwordDir: string;
  /** How many cameras deliver events by push (WS-BaseNotification), the others by PullPoint. */
  push: number;
  /** A URL serving the camera's current picture (HTTP Digest, the camera's own credentials). */
  snapshotUrl(camera: OnvifCameraSimulator): string;
  stop(): Promise<void>;
}

/** A UDP port free right now: the cameras announce Hello to it, the gateway's adapter listens on it. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(() => done()));
  return port;
}

/**
 * Starts the cameras `ids` with a new password each, written to `<gatewayDataDir>/cameras/<id>.password`
 * (mode 0600, in a 0700 folder) and nowhere else: the gateway's config names the file. Cameras
 * alternate between push and PullPoint, so both paths of the adapter run.
 */
export async function startCommunityCameras(ids: string[], gatewayDataDir: string): Promise<CommunityCameras> {
  const helloPort = await freeUdpPort();
  const passwordDir = resolve(gatewayDataDir, 'cameras');
  mkdirSync(passwordDir, { recursive: true, mode: 0o700 });
  chmodSync(passwordDir, 0o700);
  const passwords = new Map(ids.map((id) => [id, generateSecret()]));
  const passwordFile = (id: string) => join(passwordDir, `${id}.password`);
  for (const [id, password] of passwords) {
    writeFileSync(passwordFile(id), `${password}\n`, { mode: 0o600 });
    // A file left by an earlier run keeps its mode on write: make sure it is owner-only.
    chmodSync(passwordFile(id), 0o600);
  }
  const farm = new OnvifCameraFarm(
    ids.map((id) => ({
      id,
      username: CAMERA_USERNAME,
      password: passwords.get(id) ?? '',
      discovery: 'unicast' as const,
      announceTo: [{ host: '127.0.0.1', port: helloPort }],
    })),
  );
  await farm.start();
  const usesPush = (index: number) => index % 2 === 1;
  return {
    farm,
    config: {
      enabled: true,
      cameras: farm.cameras.map((camera, index) => ({
        id: camera.id,
        probe: `127.0.0.1:${camera.discoveryPort}`,
        username: CAMERA_USERNAME,
        password_file: passwordFile(camera.id),
        events: usesPush(index) ? ('push' as const) : ('pullpoint' as const),
      })),
      // Unicast Probes to each camera's own port; no multicast on a developer machine.
      discovery: { multicast: false, listen_hello: true, timeout_ms: 1000 },
      notify: { enabled: true, host: '127.0.0.1', port: 0 },
    },
    options: { helloPort },
    passwordDir,
    push: farm.cameras.filter((_, index) => usesPush(index)).length,
    snapshotUrl: (camera) =>
      camera.deviceServiceUrl.replace(/\/onvif\/device_service$/, '/onvif/snapshot?profile=Profile_1'),
    stop: () => farm.stop(),
  };
}

export type CameraHappening = 'motion' | 'line_crossing' | 'tamper';

/**
 * Life in front of the cameras: each camera, on its own seeded schedule, sees something about every
 * `everyS` seconds (exponentially distributed, so some minutes are busy and some quiet): mostly
 * motion (lasting a few seconds), sometimes a line crossed, rarely tamper (someone covers or turns
 * the camera, which the built-in rules raise as a maintenance alert).
 */
export class CameraActivity {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly cameras: OnvifCameraSimulator[],
    private readonly random: Random,
    private readonly everyS: number,
    private readonly onHappening: (camera: OnvifCameraSimulator, what: CameraHappening) => void = () => {},
  ) {}

  start(): void {
    for (const camera of this.cameras) this.next(camera, fork(this.random, camera.id));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) run();
    }, ms);
    this.timers.add(timer);
  }

  private next(camera: OnvifCameraSimulator, random: Random): void {
    const meanMs = this.everyS * 1000;
    // At least a fifth of the mean apart: a camera never fires twice in the same breath.
    const waitMs = meanMs * (0.2 - Math.log(1 - random()));
    // How long motion or tamper lasts: seconds, and well within the gap to the next one.
    const lastsMs = Math.min(30_000, meanMs / 2) * (0.2 + 0.8 * random());
    this.later(waitMs, () => {
      const roll = random();
      const what: CameraHappening = roll < 0.8 ? 'motion' : roll < 0.95 ? 'line_crossing' : 'tamper';
      this.onHappening(camera, what);
      if (what === 'line_crossing') {
        camera.lineCrossed();
        this.next(camera, random);
        return;
      }
      const set = (active: boolean) => (what === 'motion' ? camera.setMotion(active) : camera.setTamper(active));
      set(true);
      this.later(lastsMs, () => {
        set(false);
        this.next(camera, random);
      });
    });
  }
}
