import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DeviceAdapter, DeviceSink } from '../adapters/device-adapter.js';
import type { GatewayConfig, OnvifCameraConfig } from '../config/schema.js';
import type { Directory } from '../devices/directory.js';
import type { ModuleHealth } from '../modules/gateway-module.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import { approvedAddresses, hostOf, pinnedHost, probeTarget } from './camera-address.js';
import { cameraPassword } from './camera-credentials.js';
import {
  type CameraHealth,
  CameraSession,
  type CameraTiming,
  type OnvifCounters,
  type ResolvedAddress,
} from './camera-session.js';
import { AnnouncementListener, type DiscoveredCamera, probe } from './discovery.js';
import { CameraUnreachableError } from './http-transport.js';
import { onvifMetrics } from './metrics.js';
import { NotifyServer } from './notify-server.js';
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

  constructor(private readonly options: OnvifModuleOptions) {
    this.log = options.logger;
  }

  async start(): Promise<void> {
    const { config, directory } = this.options;
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
    if (onvif.discovery.listen_hello && onvif.cameras.length > 0) {
      const listener = new AnnouncementListener((type, camera) => this.announced(type, camera));
      try {
        await listener.start(this.options.helloPort);
        this.hello = listener;
      } catch (error) {
        // Another WS-Discovery listener on the host: reboots are still noticed by failures.
        this.log.warn(
          { err: error },
          'cannot listen for WS-Discovery Hello: camera reboots are noticed by failed calls',
        );
      }
    }
    const timing = this.timing();
    const records = new SubscriptionRecords(config.gateway.data_dir);
    onvif.cameras.forEach((cameraConfig, index) => {
      const camera: Camera = {
        config: cameraConfig,
        ...(cameraConfig.endpoint_reference ? { endpointReference: cameraConfig.endpoint_reference } : {}),
        ...(cameraConfig.xaddr ? { xaddr: cameraConfig.xaddr } : {}),
      };
      this.cameras.push(camera);
      const device = directory.device(cameraConfig.id);
      if (device?.kind !== 'onvif_camera' || device.status !== 'active') {
        camera.problem = device
          ? `device ${cameraConfig.id} is ${device.status === 'active' ? `a ${device.kind}, not an onvif_camera` : 'retired'}`
          : `no device ${cameraConfig.id} in the registry: register it as kind onvif_camera`;
        this.log.error({ camera: cameraConfig.id }, `onvif.cameras[${index}]: ${camera.problem}`);
        return;
      }
      let password: string;
      try {
        password = cameraPassword(cameraConfig, index, this.options.env);
      } catch (error) {
        camera.problem = (error as Error).message;
        this.log.error({ camera: cameraConfig.id }, camera.problem);
        return;
      }
      camera.session = new CameraSession({
        config: cameraConfig,
        index,
        password,
        device,
        resolveAddress: () => this.resolve(camera),
        sink: this.options.sink,
        snapshots: this.snapshots ? { store: this.snapshots, maxBytes: onvif.snapshots.max_bytes } : undefined,
        notify: this.notify,
        records,
        timing,
        scheduler: this.options.scheduler ?? realScheduler,
        logger: this.log,
        ...(this.options.random ? { random: this.options.random } : {}),
        counters: this.counters,
        ...(this.options.onHealthChange ? { onHealthChange: this.options.onHealthChange } : {}),
      });
      camera.session.start();
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.cameras.map((camera) => camera.session?.stop()));
    await this.hello?.stop();
    await this.notify?.stop();
  }

  cameraHealth(): CameraHealth[] {
    return this.cameras.map(
      (camera) =>
        camera.session?.health() ?? {
          id: camera.config.id,
          online: false,
          authenticated: false,
          subscribed: false,
          ...(camera.problem ? { error: camera.problem } : {}),
        },
    );
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
