import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DeviceAdapter, DeviceSink } from '../adapters/device-adapter.js';
import type { GatewayConfig, OnvifCameraConfig } from '../config/schema.js';
import type { Directory } from '../devices/directory.js';
import type { ModuleHealth } from '../modules/gateway-module.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import { approvedAddresses, hostOf, pinnedHost, probeTarget } from './camera-address.js';
import { CameraCheckError, checkCamera } from './camera-check.js';
import { cameraPassword } from './camera-credentials.js';
import {
  type CameraHealth,
  CameraSession,
  type CameraTiming,
  type OnvifCounters,
  type ResolvedAddress,
} from './camera-session.js';
import { cameraTls } from './camera-tls.js';
import { AnnouncementListener, type DiscoveredCamera, probe } from './discovery.js';
import { type ScannedCamera, scannedCameras } from './discovery-scan.js';
import { CameraUnreachableError } from './http-transport.js';
import { onvifMetrics } from './metrics.js';
import { NotifyServer } from './notify-server.js';
import { type OnboardedCameraFile, OnboardedCameras } from './onboarded-cameras.js';
import { type RecentCameraEvent, RecentEvents } from './recent-events.js';
import type { DeviceInformation } from './responses.js';
import { SnapshotStore } from './snapshot-store.js';
import { SubscriptionRecords } from './subscription-records.js';

export interface OnvifModuleOptions {
  config: GatewayConfig;
  directory: Directory;
  sink: DeviceSink;
  logger: Logger;
  scheduler?: Scheduler;
  env?: NodeJS.ProcessEnv;
  /** Overrides of the timings derived from config (tests use seconds where cameras use minutes). */
  timing?: Partial<CameraTiming>;
  /** Port Hello announcements are listened for on (3702 in production). */
  helloPort?: number;
  random?: () => number;
  /** A camera went online/offline, (un)authenticated or (un)subscribed. */
  onHealthChange?: () => void;
}

interface Camera {
  config: OnvifCameraConfig;
  /** gateway.yaml, or onboarded in the installer console (kept in the data folder). */
  source: 'config' | 'console';
  /** Said in health beside the camera's own state (a console camera shadowed by gateway.yaml). */
  notice?: string;
  /** What the camera said it is when its credentials were checked (until its session onboards it). */
  checked?: DeviceInformation;
  session?: CameraSession;
  /** Why the camera does not run (not in the registry, no password). */
  problem?: string;
  endpointReference?: string;
  xaddr?: string;
  /** The addresses of the camera's pinned host, as last resolved. */
  approved?: ReadonlySet<string>;
  /** The addresses of the last Hello ignored (logged once). */
  ignoredHello?: string;
}

/**
 * ONVIF cameras as Gridlink devices: each configured camera (registered as an onvif_camera
 * device) is found (its address, or WS-Discovery unicast/multicast), onboarded, subscribed to, and
 * its events reach the gateway like any device's. Serves the Notify endpoint for push
 * subscriptions and listens for Hello (cameras back from a reboot).
 */
export class OnvifModule implements DeviceAdapter {
  readonly name = 'onvif';
  readonly kinds = ['onvif_camera'] as const;
  private readonly cameras: Camera[] = [];
  private notify?: NotifyServer;
  private hello?: AnnouncementListener;
  private snapshots?: SnapshotStore;
  readonly counters: OnvifCounters = {
    events: {},
    unmapped: 0,
    resubscribes: 0,
    authFailures: 0,
    snapshots: { saved: 0, failed: 0 },
  };
  private readonly log: Logger;
  private readonly onboarded: OnboardedCameras;
  private readonly recent: RecentEvents;
  private records?: SubscriptionRecords;
  private readonly watchers = new Set<(cameraId: string) => void>();

  constructor(private readonly options: OnvifModuleOptions) {
    this.log = options.logger;
    this.onboarded = new OnboardedCameras(options.config.gateway.data_dir);
    this.recent = new RecentEvents(() => this.scheduler.now());
  }

  private get scheduler(): Scheduler {
    return this.options.scheduler ?? realScheduler;
  }

  async start(): Promise<void> {
    const { config } = this.options;
    const onvif = config.onvif;
    if (onvif.notify.enabled) {
      this.notify = new NotifyServer({
        host: onvif.notify.host,
        port: onvif.notify.port,
        publicUrl: onvif.notify.public_url,
      });
      await this.notify.start();
    }
    if (onvif.snapshots.enabled) {
      this.snapshots = new SnapshotStore({
        dataDir: config.gateway.data_dir,
        maxTotalBytes: onvif.snapshots.max_total_bytes,
      });
    }
    const { cameras: fromConsole, problems } = this.onboarded.load();
    if (onvif.discovery.listen_hello && onvif.cameras.length + fromConsole.length > 0) await this.listenForHello();
    this.records = new SubscriptionRecords(config.gateway.data_dir);
    onvif.cameras.forEach((cameraConfig, index) => {
      this.run({ config: cameraConfig, source: 'config' }, index);
    });
    // gateway.yaml wins an id both name: the installer wrote it there on purpose.
    for (const cameraConfig of fromConsole) {
      const shadowed = this.cameras.find((camera) => camera.config.id === cameraConfig.id);
      if (shadowed) {
        shadowed.notice = `camera ${cameraConfig.id} is also onboarded in the console (${this.onboarded.dir}): the gateway.yaml entry is used; remove one of them`;
        this.log.warn({ camera: cameraConfig.id }, shadowed.notice);
        continue;
      }
      this.run({ config: cameraConfig, source: 'console' }, -1);
    }
    for (const problem of problems) {
      if (this.cameras.some((camera) => camera.config.id === problem.id)) continue;
      this.cameras.push({ config: { id: problem.id } as OnvifCameraConfig, source: 'console', problem: problem.error });
      this.log.error({ camera: problem.id }, `an onboarded camera cannot be read: ${problem.error}`);
    }
  }

  private async listenForHello(): Promise<void> {
    if (this.hello) return;
    const listener = new AnnouncementListener((type, camera) => this.announced(type, camera));
    try {
      await listener.start(this.options.helloPort);
      this.hello = listener;
    } catch (error) {
      // Another WS-Discovery listener on the host: reboots are still noticed by failures.
      this.log.warn({ err: error }, 'cannot listen for WS-Discovery Hello: camera reboots are noticed by failed calls');
    }
  }

  /** Starts a camera's session, or records why it cannot run (shown in health). */
  private run(camera: Camera, index: number): void {
    const { directory, config } = this.options;
    const cameraConfig = camera.config;
    const field = camera.source === 'console' ? `the console's camera ${cameraConfig.id}` : `onvif.cameras[${index}]`;
    if (cameraConfig.endpoint_reference) camera.endpointReference = cameraConfig.endpoint_reference;
    if (cameraConfig.xaddr) camera.xaddr = cameraConfig.xaddr;
    this.cameras.push(camera);
    const device = directory.device(cameraConfig.id);
    if (device?.kind !== 'onvif_camera' || device.status !== 'active') {
      camera.problem = device
        ? `device ${cameraConfig.id} is ${device.status === 'active' ? `a ${device.kind}, not an onvif_camera` : 'retired'}`
        : `no device ${cameraConfig.id} in the registry: register it as kind onvif_camera`;
      this.log.error({ camera: cameraConfig.id }, `${field}: ${camera.problem}`);
      return;
    }
    let password: string;
    try {
      password = cameraPassword(cameraConfig, index, this.options.env);
    } catch (error) {
      // A console camera is not in onvif.cameras: its message names it as the console keeps it.
      const message = (error as Error).message;
      camera.problem =
        camera.source === 'console' ? message.replace(/^onvif\.cameras\[-1\] \([^)]*\)/, field) : message;
      this.log.error({ camera: cameraConfig.id }, camera.problem);
      return;
    }
    const onvif = config.onvif;
    const changed = () => {
      this.options.onHealthChange?.();
      this.changed(cameraConfig.id);
    };
    camera.session = new CameraSession({
      config: cameraConfig,
      index,
      field,
      password,
      device,
      resolveAddress: () => this.resolve(camera),
      sink: this.options.sink,
      snapshots: this.snapshots ? { store: this.snapshots, maxBytes: onvif.snapshots.max_bytes } : undefined,
      notify: this.notify,
      records: this.records,
      timing: this.timing(),
      scheduler: this.scheduler,
      logger: this.log,
      ...(this.options.random ? { random: this.options.random } : {}),
      counters: this.counters,
      onHealthChange: changed,
      onEvent: (type, payload) => {
        this.recent.add(cameraConfig.id, type, payload);
        this.changed(cameraConfig.id);
      },
    });
    camera.session.start();
  }

  /** Calls `watcher` with a camera's id when it is added, removed, changes health or has an event. */
  watch(watcher: (cameraId: string) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private changed(cameraId: string): void {
    for (const watcher of this.watchers) watcher(cameraId);
  }

  /** Each camera as the console shows it: where it is configured, what it is, its health. */
  cameraList(): ConsoleCameraState[] {
    const health = new Map(this.cameraHealth().map((entry) => [entry.id, entry]));
    return this.cameras.map((camera) => {
      const id = camera.config.id;
      const address = camera.session?.address ?? camera.config.xaddr ?? camera.xaddr;
      return {
        id,
        source: camera.source,
        running: camera.session !== undefined,
        ...(address ? { address } : {}),
        ...(camera.session?.info || camera.checked ? { info: camera.session?.info ?? camera.checked } : {}),
        health: health.get(id) ?? { id, online: false, authenticated: false, subscribed: false },
        events: this.recent.of(id),
      };
    });
  }

  /**
   * A WS-Discovery Probe now (multicast when configured, and unicast to `targets`), bounded by
   * the configured timeout: what answered, each marked with the configured camera it is.
   */
  async scan(targets: { host: string; port?: number }[]): Promise<ScannedCamera[]> {
    const discovery = this.options.config.onvif.discovery;
    const found = await probe({ targets, multicast: discovery.multicast, timeoutMs: discovery.timeout_ms });
    return scannedCameras(found, (answer) => {
      const match = this.cameras.find(
        (camera) =>
          (camera.endpointReference !== undefined && camera.endpointReference === answer.endpointReference) ||
          answer.xaddrs.some((address) =>
            [camera.xaddr, camera.session?.address].some((known) => known !== undefined && sameHost(address, known)),
          ),
      );
      return match?.config.id;
    });
  }

  /**
   * Onboards a camera from the console: the credentials are tried once on the camera (a refusal
   * is the installer's to fix, never retried here), then kept in the data folder and the camera
   * runs at once, without a restart.
   */
  async add(
    camera: OnboardedCameraFile,
    password: string,
    /** Runs once the camera took the credentials, before anything is kept (registering its device). */
    prepare: () => Promise<void> = async () => {},
  ): Promise<{ info: DeviceInformation; clockOffsetMs: number }> {
    if (this.cameras.some((known) => known.config.id === camera.id)) {
      throw new CameraCheckError(
        'id',
        `camera ${camera.id} is already configured: remove it first to onboard it again`,
      );
    }
    const xaddr = camera.xaddr as string;
    const checked = await checkCamera({
      xaddr,
      username: camera.username,
      password,
      now: this.scheduler.now,
      timeoutMs: this.options.config.onvif.request_timeout_ms,
      tls: cameraTls(camera),
    });
    // Checked while another request onboarded the same id: the first one stays.
    if (this.cameras.some((known) => known.config.id === camera.id)) {
      throw new CameraCheckError(
        'id',
        `camera ${camera.id} is already configured: remove it first to onboard it again`,
      );
    }
    await prepare();
    const config = this.onboarded.save(camera, password);
    if (this.options.config.onvif.discovery.listen_hello) await this.listenForHello();
    this.run({ config, source: 'console', checked: checked.info }, -1);
    this.changed(camera.id);
    return checked;
  }

  /** Stops a console-onboarded camera and deletes its files; gateway.yaml cameras are the file's to change. */
  async remove(id: string): Promise<'removed' | 'not_found' | 'in_config'> {
    const camera = this.cameras.find((known) => known.config.id === id);
    if (!camera) return 'not_found';
    if (camera.source === 'config') return 'in_config';
    this.cameras.splice(this.cameras.indexOf(camera), 1);
    await camera.session?.stop();
    this.onboarded.remove(id);
    this.recent.forget(id);
    this.options.onHealthChange?.();
    this.changed(id);
    return 'removed';
  }

  /** A snapshot taken now through the gateway (the console's preview), at most the configured size. */
  async liveSnapshot(id: string): Promise<Buffer | undefined> {
    const session = this.session(id);
    if (!session) return undefined;
    return session.liveSnapshot(this.options.config.onvif.snapshots.max_bytes);
  }

  async stop(): Promise<void> {
    await Promise.all(this.cameras.map((camera) => camera.session?.stop()));
    await this.hello?.stop();
    await this.notify?.stop();
  }

  cameraHealth(): CameraHealth[] {
    return this.cameras.map((camera) => {
      const health = camera.session?.health() ?? {
        id: camera.config.id,
        online: false,
        authenticated: false,
        subscribed: false,
        ...(camera.problem ? { error: camera.problem } : {}),
      };
      return health.error === undefined && camera.notice ? { ...health, error: camera.notice } : health;
    });
  }

  /** The UDP port Hello announcements are heard on (0 when not listening). */
  get helloPort(): number {
    return this.hello?.port ?? 0;
  }

  /** The Notify endpoint's port (0 when push is off). */
  get notifyPort(): number {
    return this.notify?.port ?? 0;
  }

  session(id: string): CameraSession | undefined {
    return this.cameras.find((camera) => camera.config.id === id)?.session;
  }

  /** A snapshot of camera `id` now (a fresh one asked for from the cloud); throws saying why not. */
  freshSnapshot(id: string): Promise<{ bytes: Buffer; at: number; ref: string }> {
    const camera = this.cameras.find((candidate) => candidate.config.id === id);
    if (!camera) return Promise.reject(new Error(`no camera ${id} in onvif.cameras of this gateway`));
    if (!camera.session) return Promise.reject(new Error(`camera ${id} does not run: ${camera.problem ?? 'unknown'}`));
    return camera.session.freshSnapshot();
  }

  metrics(register: Registry): void {
    onvifMetrics(register, () => this.stats());
  }

  health(): ModuleHealth {
    return { cameras: this.cameraHealth() };
  }

  stats() {
    return {
      cameras: this.cameraHealth(),
      counters: this.counters,
      snapshots: this.snapshots?.stats() ?? { files: 0, bytes: 0 },
      notify: { received: this.notify?.received ?? 0, refused: this.notify?.refused ?? 0 },
    };
  }

  private timing(): CameraTiming {
    const onvif = this.options.config.onvif;
    return {
      windowS: onvif.subscription_window_s,
      pullTimeoutS: onvif.pull_timeout_s,
      requestTimeoutMs: onvif.request_timeout_ms,
      checkIntervalMs: onvif.check_interval_s * 1000,
      backoff: { initialMs: 1000, maxMs: 60_000 },
      authBackoff: { initialMs: onvif.auth_retry_initial_s * 1000, maxMs: onvif.auth_retry_max_s * 1000 },
      snapshotTimeoutMs: Math.min(5000, onvif.request_timeout_ms),
      ...this.options.timing,
    };
  }

  /**
   * The camera's device service address — configured, or asked of WS-Discovery — and the
   * addresses of its pinned host. A discovery answer counts only when it points at that host:
   * anyone on the LAN can answer a Probe, from any source address they like.
   */
  private async resolve(camera: Camera): Promise<ResolvedAddress> {
    const { config } = camera;
    const host = pinnedHost(config) as string; // the schema requires xaddr, probe or host
    const approved = await approvedAddresses(host);
    camera.approved = approved;
    if (config.xaddr) return { address: config.xaddr, approved };
    const discovery = this.options.config.onvif.discovery;
    const targets = config.probe ? [probeTarget(config.probe)] : [];
    const found = await probe({
      targets,
      multicast: targets.length === 0 && discovery.multicast,
      timeoutMs: discovery.timeout_ms,
    });
    const candidates = found.filter(
      (candidate) =>
        config.endpoint_reference === undefined || candidate.endpointReference === config.endpoint_reference,
    );
    const onPinnedHost = (address: string) => /^https?:/i.test(address) && approved.has(hostOf(address) ?? '');
    const match = candidates.find((candidate) => candidate.xaddrs.some(onPinnedHost));
    const xaddr = match?.xaddrs.find(onPinnedHost);
    // Answers with no address on the camera's host (a camera listing a link-local address besides is fine).
    const elsewhere = candidates
      .filter((candidate) => !candidate.xaddrs.some(onPinnedHost))
      .flatMap((candidate) => candidate.xaddrs);
    if (elsewhere.length > 0) {
      this.log.warn(
        { camera: config.id, ignored: elsewhere.slice(0, 8) },
        `WS-Discovery answers for camera ${config.id} naming addresses off its host ${host} were ignored (if the camera moved, set onvif.cameras[${this.cameras.indexOf(camera)}].host or probe to its new address)`,
      );
    }
    if (!match || !xaddr) {
      throw new CameraUnreachableError(
        config.probe
          ? `no WS-Discovery answer from ${config.probe} pointing at host ${host}`
          : `no camera with endpoint reference ${config.endpoint_reference} on host ${host} answered the multicast Probe`,
      );
    }
    camera.endpointReference = match.endpointReference;
    camera.xaddr = xaddr;
    this.log.info({ camera: config.id, xaddr, endpoint_reference: match.endpointReference }, 'camera discovered');
    return { address: xaddr, approved };
  }

  /**
   * Hello and Bye come from anyone on the LAN: a Hello pointing at the camera's pinned host makes
   * the gateway check the camera there (clock, credentials, subscription); one pointing elsewhere
   * never moves the camera (a move is the installer's to confirm, in the configuration).
   */
  private announced(type: 'hello' | 'bye', announced: DiscoveredCamera): void {
    const camera = this.cameras.find(
      (candidate) =>
        (candidate.endpointReference !== undefined && candidate.endpointReference === announced.endpointReference) ||
        (candidate.xaddr !== undefined &&
          announced.xaddrs.some((address) => sameHost(address, candidate.xaddr as string))),
    );
    if (!camera?.session) return;
    if (type === 'bye') {
      this.log.info({ camera: camera.config.id }, 'camera said Bye (leaving the network)');
      return;
    }
    const approved = camera.approved ?? new Set([pinnedHost(camera.config) ?? '']);
    if (announced.xaddrs.some((address) => approved.has(hostOf(address) ?? ''))) {
      void camera.session.onHello();
      return;
    }
    const at = announced.xaddrs.join(' ');
    if (camera.ignoredHello === at) return; // once per address: a flood of Hellos is not a flood of logs
    camera.ignoredHello = at;
    this.log.warn(
      { camera: camera.config.id, announced: announced.xaddrs.slice(0, 8), from: announced.from },
      `a Hello announced camera ${camera.config.id} at ${at.slice(0, 256)}, off its host ${[...approved].join(', ')}: ignored (if the camera moved, set onvif.cameras[${this.cameras.indexOf(camera)}].host, xaddr or probe to its new address)`,
    );
  }
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

/** A camera as the installer console lists it. */
export interface ConsoleCameraState {
  id: string;
  source: 'config' | 'console';
  /** Its session runs (false: a configuration problem, said in health's error). */
  running: boolean;
  address?: string;
  info?: DeviceInformation;
  health: CameraHealth;
  /** Its events of the last hour, newest first. */
  events: RecentCameraEvent[];
}
