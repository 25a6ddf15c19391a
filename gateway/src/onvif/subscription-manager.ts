import { Backoff } from '../time/backoff.js';
import { type Scheduler, Sleeper } from '../time/scheduler.js';
import type { TerminationRequest } from './camera-client.js';
import type { CameraNotification, PullMessagesResult } from './notifications.js';
import type { SubscriptionGrant, SubscriptionReference } from './responses.js';
import { isAuthFault, SoapFault } from './soap-fault.js';

export type SubscriptionMode = 'pullpoint' | 'push';

/** What the manager needs from a camera (CameraClient in production, a scripted camera in unit tests). */
export interface EventPort {
  create(mode: SubscriptionMode, termination: TerminationRequest, filtered: boolean): Promise<SubscriptionGrant>;
  pull(reference: SubscriptionReference, timeoutS: number, limit: number): Promise<PullMessagesResult>;
  renew(
    reference: SubscriptionReference,
    termination: TerminationRequest,
  ): Promise<{ currentTime?: number; terminationTime?: number }>;
  synchronize(reference: SubscriptionReference): Promise<void>;
  unsubscribe(reference: SubscriptionReference): Promise<void>;
}

/** The subscription in use, as kept across restarts. */
export interface ActiveSubscription {
  reference: SubscriptionReference;
  mode: SubscriptionMode;
  /** Real-clock end of the subscription as last granted. */
  expiresAt: number;
}

export interface SubscriptionManagerOptions {
  port: EventPort;
  /** Modes to try, in order: `auto` is PullPoint then push (when the gateway has a Notify endpoint). */
  modes: readonly SubscriptionMode[];
  /** The subscription window asked for, in seconds (≥ 60 in production). */
  windowS: number;
  /** The gateway's own subscription from before a restart: renewed and used instead of a new one while alive. */
  resume?: ActiveSubscription;
  /** The subscription in use changed (made, renewed, resumed, lost or unsubscribed): kept for the next start. */
  onActiveChange?(active: ActiveSubscription | undefined): void;
  /** Renew when this share of the granted window has passed. */
  renewAt?: number;
  pullTimeoutS?: number;
  messageLimit?: number;
  /** Re-subscribe and network retries. */
  backoff?: { initialMs: number; maxMs: number };
  /** After a refused authentication: long enough that a wrong password never locks the account. */
  authBackoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  scheduler: Scheduler;
  onNotifications(notifications: CameraNotification[], mode: SubscriptionMode): void;
  /** Called when the camera refused the credentials (the session re-measures the clock: a reboot resets it). */
  onAuthFailure?(error: unknown): Promise<void>;
  /** Called when the camera answers again after failing to (it may have rebooted). */
  onReachable?(): Promise<void>;
  onUnreachable?(error: unknown): void;
  /** State transitions, once each (subscribed, lost, mode changes, misread windows). */
  onTransition?(event: SubscriptionTransition): void;
}

export type SubscriptionTransition =
  | { type: 'subscribed'; mode: SubscriptionMode; windowMs: number; filtered: boolean; resubscribe: boolean }
  | { type: 'resumed'; mode: SubscriptionMode; expiresInMs: number }
  | { type: 'mode_refused'; mode: SubscriptionMode; fallback: SubscriptionMode; error: SoapFault }
  | { type: 'unsubscribed' }
  | { type: 'unsubscribe_failed'; error: unknown }
  | { type: 'renewed'; windowMs: number }
  | { type: 'lost'; reason: string }
  | { type: 'create_failed'; mode: SubscriptionMode; error: unknown; retryInMs: number }
  | { type: 'window_shortened'; askedS: number; grantedMs: number }
  | { type: 'filter_refused'; error: unknown };

interface Active extends ActiveSubscription {
  /** False once a Renew was refused: the subscription lives until expiresAt, then a new one is needed. */
  renewable: boolean;
}

const MIN_WINDOW_MS = 1000;
const EXPIRY_MARGIN_MS = 1000;
const MIN_EMPTY_PULL_MS = 1000;

/**
 * One camera's event subscription, kept alive for as long as the gateway runs:
 * - PullPoint (CreatePullPointSubscription + a continuous PullMessages long-poll) or push
 *   (Subscribe → Notify to the gateway's endpoint), with the mapped topics as filter (dropped if the
 *   camera refuses it);
 * - renewed at ~80 % of the window the camera actually granted, read as the difference of its own
 *   CurrentTime and TerminationTime (its clock may be off); when that window is much shorter than
 *   asked (firmware misreading durations) later requests ask for an absolute end time instead;
 * - a subscription is dead only on an explicit SOAP fault: timeouts and network errors retry the
 *   same subscription; a refused Renew keeps the old subscription until it expires while a new one
 *   is created (cameras allowing one subscription refuse a second one until then);
 * - resumed after a restart: the gateway's own subscription, while alive, is renewed and used
 *   instead of a new one (each new one would hold a camera slot until its window ends);
 * - Unsubscribe only its own, only on a clean stop, and only when asked to (some cameras then
 *   cancel every subscription, other clients' too);
 * - in `auto`, a push subscription the camera refuses is not asked again: PullPoint from then on;
 * - bounded exponential backoff with jitter on re-subscribe, longer on refused credentials;
 * - SetSynchronizationPoint after every (re)subscribe and reconnect, so the camera resends the
 *   current state of its properties (motion that ended while the link was down ends here too).
 */
export class SubscriptionManager {
  private active?: Active;
  private running = false;
  private paused = false;
  private filtered = true;
  private absoluteTerminations = false;
  private modeIndex = 0;
  private modes: readonly SubscriptionMode[];
  private subscribedOnce = false;
  private renewTimer?: unknown;
  private subscribeTimer?: unknown;
  private subscribing = false;
  private pulling?: Active;
  private unreachable = false;
  private readonly sleeper: Sleeper;
  private readonly backoff: Backoff;
  private readonly authBackoff: Backoff;
  private readonly renewAt: number;
  private readonly pullTimeoutS: number;
  private readonly messageLimit: number;
  private lastContactAt?: number;

  constructor(private readonly options: SubscriptionManagerOptions) {
    if (options.modes.length === 0) throw new Error('SubscriptionManager needs at least one mode');
    this.modes = options.modes;
    this.sleeper = new Sleeper(options.scheduler);
    const random = options.random ?? Math.random;
    this.backoff = new Backoff({ ...(options.backoff ?? { initialMs: 1000, maxMs: 60_000 }), random });
    this.authBackoff = new Backoff({ ...(options.authBackoff ?? { initialMs: 30_000, maxMs: 900_000 }), random });
    this.renewAt = options.renewAt ?? 0.8;
    this.pullTimeoutS = options.pullTimeoutS ?? 30;
    this.messageLimit = options.messageLimit ?? 100;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.paused = false;
    const resume = this.options.resume;
    const now = this.options.scheduler.now();
    if (resume && resume.expiresAt > now + EXPIRY_MARGIN_MS && this.modes.includes(resume.mode)) {
      void this.resumeSubscription({ ...resume, renewable: true });
    } else {
      void this.subscribe();
    }
  }

  /**
   * Stops pulling and renewing. With `unsubscribe` the subscription in use is ended on the camera
   * (a clean stop); without, it is left to expire there, and kept for the next start to resume.
   */
  async stop(options: { unsubscribe?: boolean } = {}): Promise<void> {
    this.running = false;
    this.clearTimers();
    this.sleeper.cancelAll();
    const active = this.active;
    if (!options.unsubscribe || !active || active.expiresAt <= this.options.scheduler.now()) return;
    try {
      await this.options.port.unsubscribe(active.reference);
      this.options.onTransition?.({ type: 'unsubscribed' });
    } catch (error) {
      this.options.onTransition?.({ type: 'unsubscribe_failed', error });
      // Not answered: it may still be alive; kept, so the next start resumes (or ends) it.
      if (!(error instanceof SoapFault)) return;
    }
    if (this.active === active) this.active = undefined;
    this.options.onActiveChange?.(undefined);
  }

  /** Stops pulling without giving up the subscription (it is renewed as usual). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.active?.mode === 'pullpoint') void this.pullLoop(this.active);
  }

  status() {
    const now = this.options.scheduler.now();
    return {
      subscribed: this.active !== undefined && this.active.expiresAt > now,
      mode: this.active?.mode,
      expiresAt: this.active?.expiresAt,
      renewable: this.active?.renewable ?? false,
      filtered: this.filtered,
      lastContactAt: this.lastContactAt,
      paused: this.paused,
    };
  }

  /**
   * The camera came back (Hello, or answers after failures): it may have rebooted and lost the
   * subscription silently. Renew now (a fault proves it lost, and a new one is made) and resync.
   */
  async checkAfterReconnect(): Promise<void> {
    const active = this.active;
    if (!this.running || !active) return;
    await this.renew(active);
    if (this.active && this.active === active) await this.synchronize(active);
  }

  /** A Notify that reached the gateway's endpoint for this camera's push subscription. */
  acceptPushed(notifications: CameraNotification[]): void {
    this.lastContactAt = this.options.scheduler.now();
    if (notifications.length > 0) this.options.onNotifications(notifications, 'push');
  }

  private get mode(): SubscriptionMode {
    return this.modes[this.modeIndex % this.modes.length] as SubscriptionMode;
  }

  /** The gateway's own subscription from before a restart: renewed now (a fault proves it gone), then used. */
  private async resumeSubscription(active: Active): Promise<void> {
    this.active = active;
    this.subscribedOnce = true;
    this.options.onTransition?.({
      type: 'resumed',
      mode: active.mode,
      expiresInMs: active.expiresAt - this.options.scheduler.now(),
    });
    await this.renew(active);
    // A refused Renew: most likely gone with a reboot; a new one is being made, this one is not pulled.
    if (!this.running || this.active !== active || !active.renewable) return;
    await this.synchronize(active);
    if (active.mode === 'pullpoint') void this.pullLoop(active);
  }

  private changed(active: Active | undefined): void {
    this.options.onActiveChange?.(
      active ? { reference: active.reference, mode: active.mode, expiresAt: active.expiresAt } : undefined,
    );
  }

  private termination(): TerminationRequest {
    return this.absoluteTerminations
      ? { until: this.options.scheduler.now() + this.options.windowS * 1000 }
      : { seconds: this.options.windowS };
  }

  /** Length of a grant in ms, from the camera's own two times (its clock may be off); the ask when unreadable. */
  private grantedWindow(grant: { currentTime?: number; terminationTime?: number }): number {
    const asked = this.options.windowS * 1000;
    if (grant.currentTime === undefined || grant.terminationTime === undefined) return asked;
    const window = grant.terminationTime - grant.currentTime;
    if (!Number.isFinite(window) || window <= 0) return asked;
    if (window < asked / 2 && !this.absoluteTerminations) {
      this.absoluteTerminations = true;
      this.options.onTransition?.({ type: 'window_shortened', askedS: this.options.windowS, grantedMs: window });
    }
    return Math.max(MIN_WINDOW_MS, window);
  }

  private async subscribe(): Promise<void> {
    if (!this.running || this.subscribing) return;
    this.subscribing = true;
    this.options.scheduler.clearTimeout(this.subscribeTimer);
    this.subscribeTimer = undefined;
    const mode = this.mode;
    try {
      const grant = await this.options.port.create(mode, this.termination(), this.filtered);
      this.markReachable();
      if (!this.running) return;
      const windowMs = this.grantedWindow(grant);
      const active: Active = {
        reference: grant.reference,
        mode,
        expiresAt: this.options.scheduler.now() + windowMs,
        renewable: true,
      };
      // The old subscription (if any) is simply no longer used: it expires on the camera.
      this.active = active;
      this.changed(active);
      this.backoff.reset();
      this.authBackoff.reset();
      this.options.onTransition?.({
        type: 'subscribed',
        mode,
        windowMs,
        filtered: this.filtered,
        resubscribe: this.subscribedOnce,
      });
      this.subscribedOnce = true;
      this.scheduleRenew(active, windowMs);
      await this.synchronize(active);
      if (mode === 'pullpoint') void this.pullLoop(active);
    } catch (error) {
      await this.createFailed(mode, error);
    } finally {
      this.subscribing = false;
    }
  }

  private async createFailed(mode: SubscriptionMode, error: unknown): Promise<void> {
    if (!this.running) return;
    if (isAuthFault(error)) {
      await this.options.onAuthFailure?.(error);
      return this.retrySubscribe(mode, error, this.authBackoff.next());
    }
    if (error instanceof SoapFault) {
      this.markReachable();
      if (this.filtered && isFilterFault(error)) {
        // The camera does not take our topic filter: subscribe to everything, map client-side.
        this.filtered = false;
        this.options.onTransition?.({ type: 'filter_refused', error });
        return this.retrySubscribe(mode, error, 0);
      }
      if (mode === 'push' && this.modes.length > 1) {
        // Push refused (a callback address the camera will not call, no push at all): asking
        // again changes nothing, so PullPoint only from now on, the reason shown in health.
        this.modes = this.modes.filter((candidate) => candidate !== 'push');
        this.modeIndex = 0;
        this.options.onTransition?.({ type: 'mode_refused', mode, fallback: this.mode, error });
        return this.retrySubscribe(this.mode, error, this.backoff.next());
      }
      // An explicit refusal while none of ours is alive: this camera may not do this mode.
      const alive = this.active && this.active.expiresAt > this.options.scheduler.now();
      if (!alive && this.modes.length > 1) this.modeIndex++;
    } else {
      this.markUnreachable(error);
    }
    let delay = this.backoff.next();
    // One subscription at a time (some firmware): the next attempt right after ours expires.
    if (this.active && this.active.expiresAt > this.options.scheduler.now()) {
      delay = Math.min(delay, this.active.expiresAt - this.options.scheduler.now() + EXPIRY_MARGIN_MS);
    }
    this.retrySubscribe(mode, error, delay);
  }

  private retrySubscribe(mode: SubscriptionMode, error: unknown, delay: number): void {
    this.options.onTransition?.({ type: 'create_failed', mode, error, retryInMs: delay });
    if (!this.running) return;
    this.options.scheduler.clearTimeout(this.subscribeTimer);
    this.subscribeTimer = this.options.scheduler.setTimeout(() => void this.subscribe(), delay);
  }

  private scheduleRenew(active: Active, windowMs: number, delayMs = windowMs * this.renewAt): void {
    this.options.scheduler.clearTimeout(this.renewTimer);
    this.renewTimer = this.options.scheduler.setTimeout(() => void this.renew(active), Math.max(0, delayMs));
  }

  private async renew(active: Active): Promise<void> {
    if (!this.running || this.active !== active) return;
    try {
      const grant = await this.options.port.renew(active.reference, this.termination());
      this.markReachable();
      if (this.active !== active) return;
      const windowMs = this.grantedWindow(grant);
      active.expiresAt = this.options.scheduler.now() + windowMs;
      active.renewable = true;
      this.changed(active);
      this.backoff.reset();
      this.options.onTransition?.({ type: 'renewed', windowMs });
      this.scheduleRenew(active, windowMs);
    } catch (error) {
      if (!this.running || this.active !== active) return;
      if (isAuthFault(error)) {
        await this.options.onAuthFailure?.(error);
        return this.scheduleRenew(active, 0, this.retryWithin(active, this.authBackoff.next()));
      }
      if (error instanceof SoapFault) {
        // Explicit: this subscription will not be renewed. Keep using it until it expires while a
        // new one is made (a camera that allows one subscription refuses the new one until then).
        this.markReachable();
        active.renewable = false;
        this.options.onTransition?.({ type: 'lost', reason: `renew refused: ${error.message}` });
        return void this.subscribe();
      }
      this.markUnreachable(error);
      this.scheduleRenew(active, 0, this.retryWithin(active, this.backoff.next()));
    }
  }

  /** A retry delay, but never past the subscription's own end (the camera may be back by then). */
  private retryWithin(active: Active, delay: number): number {
    const left = active.expiresAt - this.options.scheduler.now();
    return left > 0 ? Math.min(delay, Math.max(0, left - EXPIRY_MARGIN_MS)) : delay;
  }

  private async synchronize(active: Active): Promise<void> {
    try {
      await this.options.port.synchronize(active.reference);
    } catch {
      // Optional on many cameras (Axis answers InvalidArgs): events still flow without it.
    }
  }

  private async pullLoop(active: Active): Promise<void> {
    if (this.pulling === active) return;
    this.pulling = active;
    try {
      while (this.running && !this.paused && this.active === active) {
        try {
          const startedAt = this.options.scheduler.now();
          const result = await this.options.port.pull(active.reference, this.pullTimeoutS, this.messageLimit);
          // Stopped or replaced while the long-poll was out: what it brought belongs to no one.
          if (!this.running || this.active !== active) return;
          const wasUnreachable = this.unreachable;
          this.markReachable();
          this.lastContactAt = this.options.scheduler.now();
          this.backoff.reset();
          this.authBackoff.reset();
          if (result.notifications.length > 0) this.options.onNotifications(result.notifications, 'pullpoint');
          if (wasUnreachable) {
            // Back after failing: the camera may have rebooted (clock reset) and lost the state.
            await this.options.onReachable?.();
            await this.synchronize(active);
          }
          // Firmware that ignores the long-poll Timeout answers empty at once: do not spin on it.
          const quick = this.options.scheduler.now() - startedAt < MIN_EMPTY_PULL_MS;
          if (result.notifications.length === 0 && quick && !(await this.sleeper.sleep(MIN_EMPTY_PULL_MS))) return;
        } catch (error) {
          if (!this.running || this.active !== active) return;
          if (isAuthFault(error)) {
            await this.options.onAuthFailure?.(error);
            if (!(await this.sleeper.sleep(this.authBackoff.next()))) return;
            continue;
          }
          if (error instanceof SoapFault) {
            // The camera says so: this subscription is gone (rebooted, expired, cancelled).
            this.markReachable();
            this.active = undefined;
            this.changed(undefined);
            this.options.scheduler.clearTimeout(this.renewTimer);
            this.options.onTransition?.({ type: 'lost', reason: `PullMessages refused: ${error.message}` });
            if (!this.subscribing) this.retrySubscribe(active.mode, error, this.backoff.next());
            return;
          }
          // Timeouts and network errors: the same subscription, after a pause.
          this.markUnreachable(error);
          if (!(await this.sleeper.sleep(this.backoff.next()))) return;
        }
      }
    } finally {
      if (this.pulling === active) this.pulling = undefined;
    }
  }

  private markUnreachable(error: unknown): void {
    if (!this.unreachable) this.options.onUnreachable?.(error);
    this.unreachable = true;
  }

  private markReachable(): void {
    this.unreachable = false;
  }

  private clearTimers(): void {
    this.options.scheduler.clearTimeout(this.renewTimer);
    this.options.scheduler.clearTimeout(this.subscribeTimer);
    this.renewTimer = undefined;
    this.subscribeTimer = undefined;
  }
}

const FILTER_FAULTS = [
  'InvalidFilterFault',
  'TopicExpressionDialectUnknownFault',
  'InvalidTopicExpressionFault',
  'TopicNotSupportedFault',
  'InvalidMessageContentExpressionFault',
];

function isFilterFault(fault: SoapFault): boolean {
  return FILTER_FAULTS.some((name) => fault.has(name));
}
