import { toTimestamp } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { DeviceSink } from '../adapters/device-adapter.js';
import type { OnvifCameraConfig } from '../config/schema.js';
import type { DeviceRecord } from '../devices/directory.js';
import { Backoff } from '../time/backoff.js';
import { type Scheduler, Sleeper } from '../time/scheduler.js';
import { CameraClient } from './camera-client.js';
import { cameraTls } from './camera-tls.js';
import { type MappedEvent, mapNotification } from './event-mapping.js';
import { CameraUnreachableError } from './http-transport.js';
import type { CameraNotification } from './notifications.js';
import type { NotifyServer } from './notify-server.js';
import type { DeviceInformation } from './responses.js';
import type { SnapshotStore } from './snapshot-store.js';
import { isAuthFault, SoapFault } from './soap-fault.js';
import {
  type ActiveSubscription,
  type EventPort,
  SubscriptionManager,
  type SubscriptionMode,
  type SubscriptionTransition,
} from './subscription-manager.js';
import type { SubscriptionRecord, SubscriptionRecords } from './subscription-records.js';

export interface CameraTiming {
  windowS: number;
  pullTimeoutS: number;
  requestTimeoutMs: number;
  checkIntervalMs: number;
  backoff: { initialMs: number; maxMs: number };
  authBackoff: { initialMs: number; maxMs: number };
  snapshotTimeoutMs: number;
}

export interface CameraSessionOptions {
  config: OnvifCameraConfig;
  /** Where the camera is in `onvif.cameras` (for messages naming the field to fix). */
  index: number;
  /** The configuration naming the camera, for messages; `onvif.cameras[<index>]` when not set. */
  field?: string;
  password: string;
  device: DeviceRecord;
  /** The device service address (from config, or found by WS-Discovery) and the camera's pinned host. */
  resolveAddress(): Promise<ResolvedAddress>;
  sink: DeviceSink;
  snapshots?: { store: SnapshotStore; maxBytes: number } | undefined;
  notify?: NotifyServer | undefined;
  /** Where the gateway keeps its own subscription on each camera, to resume it after a restart. */
  records?: SubscriptionRecords | undefined;
  timing: CameraTiming;
  scheduler: Scheduler;
  logger: Logger;
  random?: () => number;
  counters: OnvifCounters;
  /** Called when online, authenticated or subscribed changes (the gateway republishes bridge/health). */
  onHealthChange?: () => void;
  /** Each event as it goes to the devices' ingest path (the console keeps the last hour's). */
  onEvent?: (type: string, payload: Record<string, unknown>) => void;
}

/** Where a camera is: its device service address, on its pinned host (all the addresses that host has). */
export interface ResolvedAddress {
  address: string;
  approved: ReadonlySet<string>;
}

/** Totals across cameras, for metrics (no per-event labels). */
export interface OnvifCounters {
  events: Record<string, number>;
  unmapped: number;
  resubscribes: number;
  authFailures: number;
  snapshots: { saved: number; failed: number };
}

export interface CameraHealth {
  id: string;
  online: boolean;
  authenticated: boolean;
  subscribed: boolean;
  mode?: SubscriptionMode;
  last_event_at?: string;
  clock_offset_ms?: number;
  error?: string;
}

/** Times more than this far from the gateway's clock (after the offset) are unreadable, not trusted. */
const PLAUSIBLE_EVENT_SKEW_MS = 24 * 3600_000;
/** Failed checks in a row before a discovered camera is looked for again. */
const REDISCOVER_AFTER_FAILED_CHECKS = 3;

/**
 * One camera, from onboarding to events: measure its clock, prove the credentials with an
 * authenticated call (a wrong password fails loudly and is retried slowly), read its services,
 * profiles and URIs, keep its event subscription alive, and turn notifications into the
 * onvif_camera profile's state and events (with a snapshot reference) on the devices' ingest path.
 */
export class CameraSession {
  private client?: CameraClient;
  private approved?: ReadonlySet<string>;
  private manager?: SubscriptionManager;
  private running = false;
  private online = false;
  private authenticated = false;
  private lastEventAt?: number;
  private error?: string;
  /** Why subscribing fails right now, in the camera's own words (the fault's Reason text). */
  private subscriptionError?: string;
  /** Why the camera runs in another mode than asked (push refused, PullPoint instead); kept while running. */
  private fallback?: string;
  /** The Notify URL given with the latest push subscription (kept with it, for a restart to take back). */
  private consumerUrl?: string;
  private snapshotUri?: string;
  private streamUri?: string;
  /** What the camera said it is (GetDeviceInformation), once onboarded. */
  private deviceInfo?: DeviceInformation;
  private readonly flags = new Map<string, boolean>();
  private readonly state = { motion: false, tamper: false };
  private checkTimer?: unknown;
  private failedChecks = 0;
  private createFailuresInRow = 0;
  private readonly sleeper: Sleeper;
  private readonly backoff: Backoff;
  private readonly authBackoff: Backoff;
  private queue: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly options: CameraSessionOptions) {
    this.sleeper = new Sleeper(options.scheduler);
    const random = options.random ?? Math.random;
    this.backoff = new Backoff({ ...options.timing.backoff, random });
    this.authBackoff = new Backoff({ ...options.timing.authBackoff, random });
    this.log = options.logger.child({ camera: options.config.id });
    if (options.config.insecure_tls)
      this.log.warn('insecure_tls: the camera’s HTTPS certificate is not checked; pin it with tls_ca_file');
  }

  get id(): string {
    return this.options.config.id;
  }

  get uris(): { stream?: string; snapshot?: string } {
    return {
      ...(this.streamUri ? { stream: this.streamUri } : {}),
      ...(this.snapshotUri ? { snapshot: this.snapshotUri } : {}),
    };
  }

  /** The camera's make and model, once an authenticated call has told them. */
  get info(): DeviceInformation | undefined {
    return this.deviceInfo;
  }

  /** The device service address in use (configured or discovered), once known. */
  get address(): string | undefined {
    return this.client?.deviceServiceUrl;
  }

  /**
   * A snapshot taken now, for the console's preview: through the gateway, with the camera's own
   * credentials, from its snapshot URI only, at most `maxBytes`. Not stored.
   */
  async liveSnapshot(maxBytes: number): Promise<Buffer> {
    if (!this.client || !this.snapshotUri) {
      throw new Error(this.authenticated ? 'the camera gave no snapshot URI' : 'the camera is not onboarded yet');
    }
    return this.client.fetchSnapshot(this.snapshotUri, maxBytes, this.options.timing.snapshotTimeoutMs);
  }

  private get where(): string {
    return this.options.field ?? `onvif.cameras[${this.options.index}]`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.cancelAll();
    this.options.scheduler.clearTimeout(this.checkTimer);
    // Our own subscription is ended, so a restart leaves no slot taken on the camera — unless this
    // firmware cancels every client's subscriptions on Unsubscribe: then it is kept and resumed.
    await this.manager?.stop({ unsubscribe: this.options.config.unsubscribe_on_stop });
    // The long-poll would otherwise keep the process alive for up to its timeout.
    this.client?.close();
    await this.queue;
  }

  health(): CameraHealth {
    const status = this.manager?.status();
    return {
      id: this.id,
      online: this.online,
      authenticated: this.authenticated,
      subscribed: status?.subscribed ?? false,
      ...(status?.mode ? { mode: status.mode } : {}),
      ...(this.lastEventAt !== undefined ? { last_event_at: toTimestamp(this.lastEventAt) } : {}),
      ...(this.client ? { clock_offset_ms: this.client.clockOffsetMs } : {}),
      ...(this.healthError() ? { error: this.healthError() } : {}),
    };
  }

  private healthError(): string | undefined {
    return (this.error ?? this.subscriptionError ?? this.fallback)?.slice(0, 512);
  }

  /** The camera announced itself (WS-Discovery Hello): it probably rebooted. */
  async onHello(): Promise<void> {
    if (!this.running || !this.client) return;
    this.log.info('camera announced itself (Hello): re-measuring its clock and checking the subscription');
    await this.recheck();
  }

  private async connect(): Promise<void> {
    while (this.running) {
      try {
        if (!this.client) {
          const { address, approved } = await this.options.resolveAddress();
          this.approved = approved;
          this.client = new CameraClient({
            deviceServiceUrl: address,
            cameraId: this.id,
            approved,
            credentials: { username: this.options.config.username, password: this.options.password },
            now: this.options.scheduler.now,
            timeoutMs: this.options.timing.requestTimeoutMs,
            tls: cameraTls(this.options.config),
          });
        }
        await this.onboard(this.client);
        return;
      } catch (error) {
        if (!this.running) return;
        // A discovered camera that does not answer may have moved: probe again next time.
        if (error instanceof CameraUnreachableError && !this.options.config.xaddr) {
          this.client?.close();
          this.client = undefined;
        }
        const delay = this.onboardingFailed(error);
        if (!(await this.sleeper.sleep(delay))) return;
      }
    }
  }

  private async onboard(client: CameraClient): Promise<void> {
    const { offsetMs } = await client.measureClock();
    this.setOnline(true);
    // An authenticated call proves the credentials; nothing counts as connected before it.
    const info = await client.getDeviceInformation();
    this.deviceInfo = info;
    this.setAuthenticated(true);
    const services = await client.discoverServices();
    await this.readMedia(client);
    this.log.info(
      {
        manufacturer: info.manufacturer,
        model: info.model,
        firmware: info.firmwareVersion,
        serial: info.serialNumber,
        clock_offset_ms: offsetMs,
        media: services.media2 ? 'media2' : services.media ? 'media' : 'none',
      },
      'camera onboarded',
    );
    this.error = undefined;
    this.backoff.reset();
    this.authBackoff.reset();
    // Stopped (or sent back to discovery) while onboarding: start nothing.
    if (!this.running || this.client !== client) return;
    await this.startSubscription(client);
    if (!this.running || this.client !== client) return;
    this.scheduleCheck();
    await this.publishState();
  }

  private async readMedia(client: CameraClient): Promise<void> {
    try {
      const profiles = await client.getProfiles();
      const wanted = this.options.config.profile;
      const profile = wanted ? profiles.find((p) => p.token === wanted) : profiles[0];
      if (!profile) {
        this.log.warn(
          { profiles: profiles.map((p) => p.token) },
          `no media profile ${wanted ?? ''} on the camera: no stream or snapshot URI`,
        );
        return;
      }
      this.streamUri = await client.getStreamUri(profile.token).catch((error: unknown) => {
        this.log.warn({ err: error }, 'GetStreamUri failed');
        return undefined;
      });
      this.snapshotUri = await client.getSnapshotUri(profile.token).catch((error: unknown) => {
        this.log.warn({ err: error }, 'GetSnapshotUri failed: events will carry no snapshot');
        return undefined;
      });
    } catch (error) {
      if (isAuthFault(error)) throw error;
      if (client.services.media2 && client.services.media && !client.preferMedia1) {
        this.log.warn({ err: error }, 'Media2 failed: reading profiles from Media instead');
        client.preferMedia1 = true;
        return this.readMedia(client);
      }
      this.log.warn({ err: error }, 'reading media profiles failed: no stream or snapshot URI');
    }
  }

  private onboardingFailed(error: unknown): number {
    if (isAuthFault(error)) {
      this.options.counters.authFailures++;
      const delay = this.authBackoff.next();
      this.setError(`the camera refused the credentials: ${(error as Error).message}`);
      if (this.authenticated || this.authBackoff.attempts === 1) {
        // Loud, once per transition: this never becomes "connected".
        this.log.error(
          { err: error, retry_in_ms: delay },
          `camera refused the credentials: check ${this.where}.username and its password`,
        );
      }
      this.setAuthenticated(false);
      return delay;
    }
    const delay = this.backoff.next();
    if (error instanceof CameraUnreachableError) {
      this.setError(`unreachable: ${error.message}`);
      if (this.online || this.backoff.attempts === 1)
        this.log.warn({ err: error, retry_in_ms: delay }, 'camera unreachable');
      this.setOnline(false);
    } else {
      this.setError(`onboarding failed: ${(error as Error).message}`);
      if (this.backoff.attempts === 1) this.log.error({ err: error, retry_in_ms: delay }, 'camera onboarding failed');
    }
    return delay;
  }

  private async startSubscription(client: CameraClient): Promise<void> {
    const wanted = this.options.config.events;
    const notify = this.options.notify;
    const modes: SubscriptionMode[] =
      wanted === 'pullpoint'
        ? ['pullpoint']
        : wanted === 'push'
          ? ['push']
          : notify
            ? ['pullpoint', 'push']
            : ['pullpoint'];
    if (wanted === 'push' && !notify) {
      this.log.error(`${this.where}.events is push but onvif.notify is not enabled: using PullPoint`);
      modes.splice(0, 1, 'pullpoint');
    }
    // Each push subscription gets a URL of its own: Notify from one given up (replaced after a
    // refused Renew, still alive on the camera until it expires) is refused, not delivered twice.
    const consume = (notifications: CameraNotification[]) => this.manager?.acceptPushed(notifications);
    const consumerUrl = () => {
      this.consumerUrl = notify?.register(this.id, consume, this.approved) as string;
      return this.consumerUrl;
    };
    const port: EventPort = {
      create: (mode, termination, filtered) =>
        mode === 'push'
          ? client.subscribe(consumerUrl(), termination, filtered)
          : client.createPullPoint(termination, filtered),
      pull: (reference, timeoutS, limit) => client.pullMessages(reference, timeoutS, limit),
      renew: (reference, termination) => client.renew(reference, termination),
      synchronize: (reference) => client.setSynchronizationPoint(reference),
      // Bounded: a clean stop does not wait long on a camera that is gone.
      unsubscribe: (reference) => client.unsubscribe(reference, Math.min(this.options.timing.requestTimeoutMs, 3000)),
    };
    const resume = await this.resumable(client, modes, consume);
    if (!this.running || this.client !== client) return;
    this.manager = new SubscriptionManager({
      port,
      modes,
      ...(resume ? { resume } : {}),
      onActiveChange: (active) => this.remember(active),
      windowS: this.options.timing.windowS,
      pullTimeoutS: this.options.timing.pullTimeoutS,
      backoff: this.options.timing.backoff,
      authBackoff: this.options.timing.authBackoff,
      ...(this.options.random ? { random: this.options.random } : {}),
      scheduler: this.options.scheduler,
      onNotifications: (notifications) => this.accept(notifications),
      onAuthFailure: (error) => this.authFailedWhileRunning(error),
      onReachable: () => this.reachableAgain(),
      onUnreachable: (error) => {
        if (this.online) this.log.warn({ err: error }, 'camera stopped answering: retrying the same subscription');
        this.setOnline(false);
      },
      onTransition: (transition) => this.logTransition(transition),
    });
    this.manager.start();
  }

  /**
   * The gateway's own subscription from before a restart, if it may be used: alive, on this
   * camera's events service, in a mode still configured, and (push) posting to a URL this Notify
   * endpoint can take back. One that cannot be used is ended now, when allowed, so it does not
   * hold a slot on the camera until its window ends.
   */
  private async resumable(
    client: CameraClient,
    modes: readonly SubscriptionMode[],
    consume: (notifications: CameraNotification[]) => void,
  ): Promise<ActiveSubscription | undefined> {
    const records = this.options.records;
    const record = records?.load(this.id);
    if (!records || !record) return undefined;
    const alive = record.expiresAt > this.options.scheduler.now();
    const here = sameOrigin(record.address, client.eventsServiceUrl);
    const reference = {
      address: record.address,
      ...(record.referenceParameters ? { referenceParameters: record.referenceParameters } : {}),
    };
    const adopted =
      record.mode === 'pullpoint' ||
      (record.consumerUrl !== undefined &&
        this.options.notify?.adopt(this.id, record.consumerUrl, consume, this.approved) === true);
    if (alive && here && modes.includes(record.mode) && adopted) {
      if (record.mode === 'push') this.consumerUrl = record.consumerUrl;
      return { reference, mode: record.mode, expiresAt: record.expiresAt };
    }
    records.remove(this.id);
    if (alive && here && this.options.config.unsubscribe_on_stop) {
      await client.unsubscribe(reference, Math.min(this.options.timing.requestTimeoutMs, 3000)).catch(() => undefined);
    }
    return undefined;
  }

  private remember(active: ActiveSubscription | undefined): void {
    const records = this.options.records;
    if (!records) return;
    try {
      if (!active) {
        records.remove(this.id);
        return;
      }
      const record: SubscriptionRecord = {
        mode: active.mode,
        address: active.reference.address,
        ...(active.reference.referenceParameters ? { referenceParameters: active.reference.referenceParameters } : {}),
        expiresAt: active.expiresAt,
        ...(active.mode === 'push' && this.consumerUrl ? { consumerUrl: this.consumerUrl } : {}),
      };
      records.save(this.id, record);
    } catch (error) {
      // Events still flow; only a restart would subscribe anew instead of resuming.
      this.log.warn({ err: error }, 'cannot keep the camera subscription in the data folder');
    }
  }

  private setSubscriptionError(error: string | undefined): void {
    if (this.subscriptionError === error) return;
    this.subscriptionError = error;
    this.options.onHealthChange?.();
  }

  private logTransition(transition: SubscriptionTransition): void {
    if (transition.type === 'subscribed' || transition.type === 'lost' || transition.type === 'resumed')
      this.options.onHealthChange?.();
    switch (transition.type) {
      case 'resumed':
        this.createFailuresInRow = 0;
        this.setSubscriptionError(undefined);
        this.log.info(
          { mode: transition.mode, expires_in_ms: transition.expiresInMs },
          'camera events: resuming the subscription from before the restart',
        );
        return;
      case 'mode_refused':
        this.fallback = `${transition.mode} subscription refused by the camera: ${faultText(transition.error)}; using ${transition.fallback}`;
        this.options.onHealthChange?.();
        this.log.warn(
          {
            mode: transition.mode,
            fallback: transition.fallback,
            reason: faultText(transition.error),
            err: transition.error,
          },
          `the camera refused the ${transition.mode} subscription: using ${transition.fallback} instead`,
        );
        return;
      case 'unsubscribed':
        this.log.info('camera events: unsubscribed on stop');
        return;
      case 'unsubscribe_failed':
        this.log.warn({ err: transition.error }, 'camera events: Unsubscribe on stop failed');
        return;
      case 'subscribed':
        if (transition.resubscribe) this.options.counters.resubscribes++;
        this.createFailuresInRow = 0;
        this.setSubscriptionError(undefined);
        if (transition.mode === 'push') this.fallback = undefined;
        this.log.info(
          { mode: transition.mode, window_ms: transition.windowMs, filtered: transition.filtered },
          transition.resubscribe ? 'camera events re-subscribed' : 'camera events subscribed',
        );
        return;
      case 'lost':
        this.log.warn({ reason: transition.reason }, 'camera subscription lost: subscribing again');
        return;
      case 'create_failed': {
        // The camera's own words: a generic subcode ("Invalid argument") says nothing to an installer.
        const reason = faultText(transition.error);
        this.setSubscriptionError(`${transition.mode} subscription failed: ${reason}`);
        // Once per run of failures; the retries that follow are counted, not logged.
        if (this.createFailuresInRow++ === 0) {
          this.log.warn(
            { mode: transition.mode, reason, err: transition.error, retry_in_ms: transition.retryInMs },
            `subscribing to the camera failed (${reason}): retrying with backoff`,
          );
        }
        return;
      }
      case 'window_shortened':
        this.log.warn(
          { asked_s: transition.askedS, granted_ms: transition.grantedMs },
          'camera granted a much shorter subscription than asked (misread duration): renewing at 80 % of it and asking for end times from now on',
        );
        return;
      case 'filter_refused':
        this.log.warn(
          { err: transition.error },
          'camera refused the topic filter: subscribing to all topics, mapping here',
        );
        return;
      case 'renewed':
        return;
    }
  }

  private async authFailedWhileRunning(error: unknown): Promise<void> {
    this.options.counters.authFailures++;
    if (this.authenticated) {
      this.log.error(
        { err: error },
        'camera refused the credentials: re-measuring its clock (a reboot may have reset it)',
      );
    }
    this.setAuthenticated(false);
    this.setError(`the camera refused the credentials: ${(error as Error).message}`);
    await this.remeasure();
  }

  private async remeasure(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.measureClock();
      this.setOnline(true);
      await client.getDeviceInformation();
      this.setAuthenticated(true);
      this.error = undefined;
    } catch (error) {
      if (isAuthFault(error)) this.setAuthenticated(false);
      else if (error instanceof CameraUnreachableError) this.setOnline(false);
    }
  }

  private async reachableAgain(): Promise<void> {
    if (!this.online) this.log.info('camera answers again: re-measuring its clock');
    this.setOnline(true);
    await this.remeasure();
  }

  /** After a reboot: clock, credentials, then the subscription (renewed now; re-made if lost). */
  private async recheck(): Promise<void> {
    await this.remeasure();
    await this.manager?.checkAfterReconnect();
  }

  private scheduleCheck(): void {
    if (!this.running) return;
    this.checkTimer = this.options.scheduler.setTimeout(() => void this.check(), this.options.timing.checkIntervalMs);
  }

  /** Periodic: is the camera there (push subscriptions have no traffic to tell), has its clock moved? */
  private async check(): Promise<void> {
    const client = this.client;
    if (!this.running || !client) return;
    const wasOnline = this.online;
    try {
      await client.measureClock();
      this.failedChecks = 0;
      this.setOnline(true);
      if (!wasOnline) {
        this.log.info('camera reachable again: re-checking credentials and subscription');
        await this.recheck();
      }
      if (this.authenticated) await this.publishState();
    } catch (error) {
      if (wasOnline) this.log.warn({ err: error }, 'camera unreachable');
      this.setOnline(false);
      // A camera found by WS-Discovery may have a new address (DHCP): look for it again.
      if (!this.options.config.xaddr && ++this.failedChecks >= REDISCOVER_AFTER_FAILED_CHECKS) {
        this.rediscover('unreachable at its discovered address');
        return;
      }
    }
    this.scheduleCheck();
  }

  /** Starts over from discovery: a new address means new service and subscription addresses too. */
  rediscover(reason: string): void {
    if (!this.running) return;
    this.log.info({ reason }, 'looking for the camera again (WS-Discovery)');
    void this.manager?.stop();
    this.manager = undefined;
    this.options.scheduler.clearTimeout(this.checkTimer);
    this.client?.close();
    this.client = undefined;
    this.failedChecks = 0;
    this.options.onHealthChange?.();
    void this.connect();
  }

  private setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    this.options.onHealthChange?.();
  }

  private setAuthenticated(authenticated: boolean): void {
    if (this.authenticated === authenticated) return;
    this.authenticated = authenticated;
    this.options.onHealthChange?.();
  }

  private setError(error: string): void {
    this.error = error.slice(0, 512);
  }

  /** Notifications in order, one camera at a time (a snapshot fetch delays the events behind it). */
  accept(notifications: CameraNotification[]): void {
    this.queue = this.queue
      .then(() => this.handle(notifications))
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'camera event handling failed');
      });
  }

  private async handle(notifications: CameraNotification[]): Promise<void> {
    for (const notification of notifications) {
      const mapped = mapNotification(notification);
      if (!mapped) {
        this.options.counters.unmapped++;
        continue;
      }
      const at = this.eventTime(notification);
      if (mapped.kind === 'pulse') {
        await this.emit(mapped, at);
        continue;
      }
      const previous = this.flags.get(mapped.key);
      this.flags.set(mapped.key, mapped.active);
      const stateChanged = this.updateState(mapped);
      // Duplicates (two topics for one motion, a resync repeating what is known) are not events;
      // a first "nothing active" from a subscription is state, not an event.
      const isEvent = previous === undefined ? mapped.active : previous !== mapped.active;
      if (isEvent) await this.emit(mapped, at);
      if (stateChanged) await this.publishState();
    }
  }

  private updateState(mapped: MappedEvent): boolean {
    if (mapped.kind !== 'flag' || (mapped.type !== 'motion' && mapped.type !== 'tamper')) return false;
    if (this.state[mapped.type] === mapped.active) return false;
    this.state[mapped.type] = mapped.active;
    return true;
  }

  private eventTime(notification: CameraNotification): number {
    const now = this.options.scheduler.now();
    if (notification.utcTime === undefined) return now;
    const at = notification.utcTime - (this.client?.clockOffsetMs ?? 0);
    return Math.abs(at - now) <= PLAUSIBLE_EVENT_SKEW_MS ? at : now;
  }

  private async emit(mapped: MappedEvent, at: number): Promise<void> {
    const starts = mapped.kind === 'pulse' || mapped.active;
    const snapshot = starts ? await this.snapshot(at) : undefined;
    const payload = { ts: toTimestamp(at), ...mapped.fields, ...(snapshot ? { snapshot_ref: snapshot } : {}) };
    this.lastEventAt = this.options.scheduler.now();
    this.options.counters.events[mapped.type] = (this.options.counters.events[mapped.type] ?? 0) + 1;
    await this.options.sink.event(this.options.device, mapped.type, payload);
    this.options.onEvent?.(mapped.type, payload);
  }

  private async snapshot(at: number): Promise<string | undefined> {
    const store = this.options.snapshots;
    if (!store || !this.snapshotUri || !this.client) return undefined;
    try {
      const jpeg = await this.client.fetchSnapshot(
        this.snapshotUri,
        store.maxBytes,
        this.options.timing.snapshotTimeoutMs,
      );
      const ref = store.store.save(this.id, jpeg, at);
      this.options.counters.snapshots.saved++;
      return ref;
    } catch (error) {
      this.options.counters.snapshots.failed++;
      this.log.warn({ err: error }, 'snapshot failed: the event goes without one');
      return undefined;
    }
  }

  /**
   * A snapshot now, for someone who asked for one from the cloud: saved beside the events' (so the
   * disk bound holds) and returned with its bytes. Throws, saying why, when the camera cannot give one.
   */
  async freshSnapshot(): Promise<{ bytes: Buffer; at: number; ref: string }> {
    const store = this.options.snapshots;
    if (!store) throw new Error('snapshots are off (onvif.snapshots.enabled)');
    if (!this.client || !this.snapshotUri) {
      throw new Error(`camera ${this.id} has no snapshot URI yet (${this.error ?? 'not onboarded'})`);
    }
    const at = this.options.scheduler.now();
    try {
      const bytes = await this.client.fetchSnapshot(
        this.snapshotUri,
        store.maxBytes,
        this.options.timing.snapshotTimeoutMs,
      );
      const ref = store.store.save(this.id, bytes, at);
      this.options.counters.snapshots.saved++;
      return { bytes, at, ref };
    } catch (error) {
      this.options.counters.snapshots.failed++;
      throw new Error(`camera ${this.id}: snapshot failed: ${faultText(error)}`);
    }
  }

  private async publishState(): Promise<void> {
    await this.options.sink.state(this.options.device, { ...this.state });
  }
}

/** What went wrong, as the camera put it: a fault's Reason text, else the error's message. */
function faultText(error: unknown): string {
  if (error instanceof SoapFault) return error.reason || error.message;
  return error instanceof Error ? error.message : String(error);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
