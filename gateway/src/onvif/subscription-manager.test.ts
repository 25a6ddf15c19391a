import { describe, expect, it } from 'vitest';
import { ManualScheduler } from '../time/manual-scheduler.js';
import type { TerminationRequest } from './camera-client.js';
import { CameraUnreachableError } from './http-transport.js';
import type { CameraNotification, PullMessagesResult } from './notifications.js';
import type { SubscriptionGrant, SubscriptionReference } from './responses.js';
import { AuthenticationError, SoapFault } from './soap-fault.js';
import {
  type ActiveSubscription,
  type EventPort,
  SubscriptionManager,
  type SubscriptionMode,
  type SubscriptionTransition,
} from './subscription-manager.js';

type Call =
  | { op: 'create'; at: number; mode: SubscriptionMode; termination: TerminationRequest; filtered: boolean }
  | { op: 'pull' | 'synchronize' | 'unsubscribe'; at: number; address: string }
  | { op: 'renew'; at: number; address: string; termination: TerminationRequest };

/**
 * A scripted camera behind the EventPort (the manager's timing logic is tested without an ONVIF
 * server, on manual time): it grants what it is told to, long-polls on the manual clock, and fails
 * the way the test says.
 */
class ScriptedCamera implements EventPort {
  calls: Call[] = [];
  grantMs = 600_000;
  cameraClockOffsetMs = 5 * 60_000;
  private sequence = 0;
  createFailures: unknown[] = [];
  pullFailures: unknown[] = [];
  renewFailures: unknown[] = [];
  pending: CameraNotification[] = [];

  constructor(private readonly scheduler: ManualScheduler) {}

  private grant(): { currentTime: number; terminationTime: number } {
    const camera = this.scheduler.now() + this.cameraClockOffsetMs;
    return { currentTime: camera, terminationTime: camera + this.grantMs };
  }

  async create(mode: SubscriptionMode, termination: TerminationRequest, filtered: boolean): Promise<SubscriptionGrant> {
    this.calls.push({ op: 'create', at: this.scheduler.now(), mode, termination, filtered });
    const failure = this.createFailures.shift();
    if (failure) throw failure;
    return { reference: { address: `http://camera/sub/${++this.sequence}` }, ...this.grant() };
  }

  pull(reference: SubscriptionReference, timeoutS: number): Promise<PullMessagesResult> {
    this.calls.push({ op: 'pull', at: this.scheduler.now(), address: reference.address });
    const failure = this.pullFailures.shift();
    if (failure) return Promise.reject(failure);
    return new Promise((resolve) => {
      this.scheduler.setTimeout(() => resolve({ notifications: this.pending.splice(0) }), timeoutS * 1000);
    });
  }

  async renew(reference: SubscriptionReference, termination: TerminationRequest) {
    this.calls.push({ op: 'renew', at: this.scheduler.now(), address: reference.address, termination });
    const failure = this.renewFailures.shift();
    if (failure) throw failure;
    return this.grant();
  }

  async synchronize(reference: SubscriptionReference): Promise<void> {
    this.calls.push({ op: 'synchronize', at: this.scheduler.now(), address: reference.address });
  }

  async unsubscribe(reference: SubscriptionReference): Promise<void> {
    this.calls.push({ op: 'unsubscribe', at: this.scheduler.now(), address: reference.address });
  }

  ops(op: Call['op']) {
    return this.calls.filter((call) => call.op === op);
  }
}

const fault = (subcode: string) => new SoapFault('Sender', [subcode], '', 400);
const unreachable = () => new CameraUnreachableError('connect ECONNREFUSED');

function setup(options: { modes?: SubscriptionMode[]; random?: () => number; resume?: ActiveSubscription } = {}) {
  const scheduler = new ManualScheduler(1_000_000);
  const camera = new ScriptedCamera(scheduler);
  const received: CameraNotification[] = [];
  const authFailures: unknown[] = [];
  const kept: (ActiveSubscription | undefined)[] = [];
  const transitions: SubscriptionTransition[] = [];
  const manager = new SubscriptionManager({
    port: camera,
    modes: options.modes ?? ['pullpoint'],
    ...(options.resume ? { resume: options.resume } : {}),
    onActiveChange: (active) => kept.push(active),
    onTransition: (transition) => transitions.push(transition),
    windowS: 600,
    pullTimeoutS: 30,
    backoff: { initialMs: 1000, maxMs: 60_000 },
    authBackoff: { initialMs: 30_000, maxMs: 900_000 },
    random: options.random ?? (() => 0.5),
    scheduler,
    onNotifications: (notifications) => received.push(...notifications),
    onAuthFailure: async (error) => {
      authFailures.push(error);
    },
  });
  return { scheduler, camera, manager, received, authFailures, kept, transitions };
}

describe('subscription manager (scripted camera, manual clock)', () => {
  it('asks for PT600S-style seconds with the topic filter, syncs, long-polls, and renews at 80 % of the window', async () => {
    const { scheduler, camera, manager } = setup();
    manager.start();
    await scheduler.advance(0);
    expect(camera.ops('create')).toEqual([
      expect.objectContaining({ mode: 'pullpoint', termination: { seconds: 600 }, filtered: true }),
    ]);
    expect(camera.ops('synchronize')).toHaveLength(1);
    await scheduler.advance(479_000);
    expect(camera.ops('renew')).toHaveLength(0);
    await scheduler.advance(1000);
    expect(camera.ops('renew')).toEqual([
      expect.objectContaining({ at: 1_000_000 + 480_000, termination: { seconds: 600 } }),
    ]);
    // The camera's clock is five minutes off: windows are read from its own two times, not ours.
    await scheduler.advance(480_000);
    expect(camera.ops('renew')).toHaveLength(2);
    // Pulling went on the whole time, on the same subscription.
    expect(camera.ops('pull').length).toBeGreaterThanOrEqual(32);
    expect(new Set(camera.ops('pull').map((call) => (call as { address: string }).address))).toEqual(
      new Set(['http://camera/sub/1']),
    );
    expect(manager.status().subscribed).toBe(true);
    manager.stop();
  });

  it('does not spin on a camera that answers PullMessages empty at once (ignoring the Timeout)', async () => {
    const { scheduler, camera, manager } = setup();
    camera.pull = async (reference) => {
      camera.calls.push({ op: 'pull', at: scheduler.now(), address: reference.address });
      return { notifications: [] };
    };
    manager.start();
    await scheduler.advance(10_000);
    // One pull a second at most instead of thousands.
    expect(camera.ops('pull').length).toBeLessThanOrEqual(11);
    manager.stop();
  });

  it('copes with a camera that misreads durations: renews at 80 % of what it granted, then asks for an end time', async () => {
    const { scheduler, camera, manager } = setup();
    camera.grantMs = 10_000; // PT600S read as 10 s
    manager.start();
    await scheduler.advance(8_000);
    const renew = camera.ops('renew');
    expect(renew).toHaveLength(1);
    expect(renew[0]?.at).toBe(1_000_000 + 8_000);
    expect((renew[0] as { termination: TerminationRequest }).termination).toEqual({
      until: 1_000_000 + 8_000 + 600_000,
    });
    manager.stop();
  });

  it('retries the same subscription after timeouts and network errors, with bounded backoff', async () => {
    const { scheduler, camera, manager } = setup({ random: () => 0 });
    camera.pullFailures = Array.from({ length: 12 }, unreachable);
    manager.start();
    await scheduler.advance(0);
    const pulls = () => camera.ops('pull').map((call) => call.at);
    await scheduler.advance(300_000);
    const at = pulls();
    const gaps = at.slice(1, 13).map((t, i) => t - (at[i] as number));
    // Steps doubling from 1 s to the 60 s cap; the lowest jitter waits half of each step.
    expect(gaps.slice(0, 8)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30_000, 30_000]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000);
    expect(camera.ops('create')).toHaveLength(1);
    expect(manager.status().subscribed).toBe(true);
    manager.stop();
  });

  it('treats the subscription as dead only on an explicit fault, then subscribes again and resyncs', async () => {
    const { scheduler, camera, manager } = setup();
    manager.start();
    await scheduler.advance(0);
    camera.pullFailures = [fault('ResourceUnknownFault')];
    await scheduler.advance(30_000); // the running long-poll ends, the next one is refused
    await scheduler.advance(1_000);
    expect(camera.ops('create')).toHaveLength(2);
    expect(camera.ops('synchronize').map((call) => (call as { address: string }).address)).toEqual([
      'http://camera/sub/1',
      'http://camera/sub/2',
    ]);
    const last = camera.ops('pull').at(-1) as { address: string };
    expect(last.address).toBe('http://camera/sub/2');
    manager.stop();
  });

  it('keeps pulling a subscription whose Renew was refused until a new one exists (one subscription per camera)', async () => {
    const { scheduler, camera, manager } = setup();
    manager.start();
    await scheduler.advance(0);
    camera.renewFailures = [fault('UnacceptableTerminationTimeFault')];
    // The camera allows one subscription: new ones are refused while ours lives.
    camera.createFailures = Array.from({ length: 20 }, () => fault('SubscribeCreationFailedFault'));
    const lastCreate = () => camera.ops('create').at(-1);
    await scheduler.advance(480_000);
    expect(camera.ops('create').length).toBeGreaterThan(1);
    // Still pulling the old one meanwhile.
    expect((camera.ops('pull').at(-1) as { address: string }).address).toBe('http://camera/sub/1');
    camera.createFailures = [];
    await scheduler.advance(121_000);
    // The attempt after the old subscription's end (480 s + 120 s + 1 s margin at the latest) succeeds.
    expect(lastCreate()?.at).toBeLessThanOrEqual(1_000_000 + 601_000);
    // The camera numbers only the subscriptions it grants: the new one is sub/2, and it is pulled now.
    expect((camera.ops('pull').at(-1) as { address: string }).address).toBe('http://camera/sub/2');
    expect(manager.status().subscribed).toBe(true);
    expect(manager.status().mode).toBe('pullpoint');
    manager.stop();
  });

  it('drops the topic filter when the camera refuses it, and maps client-side', async () => {
    const { scheduler, camera, manager } = setup();
    camera.createFailures = [fault('InvalidFilterFault')];
    manager.start();
    await scheduler.advance(0);
    expect(camera.ops('create').map((call) => (call as { filtered: boolean }).filtered)).toEqual([true, false]);
    expect(manager.status()).toMatchObject({ subscribed: true, filtered: false });
    manager.stop();
  });

  it('backs off on refused credentials (30 s doubling to 15 min, never faster) and asks the session to re-measure the clock', async () => {
    const { scheduler, camera, manager, authFailures } = setup({ random: () => 0 });
    camera.createFailures = Array.from({ length: 8 }, () => new AuthenticationError('HTTP 401', 401));
    manager.start();
    await scheduler.advance(3_600_000);
    const at = camera.ops('create').map((call) => call.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // Lowest jitter: half of each step.
    expect(gaps.slice(0, 5)).toEqual([15_000, 30_000, 60_000, 120_000, 240_000]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(900_000);
    expect(authFailures).toHaveLength(8);
    expect(manager.status().subscribed).toBe(true);
    manager.stop();
  });

  it('falls back to push when the camera refuses PullPoint (auto mode)', async () => {
    const { scheduler, camera, manager } = setup({ modes: ['pullpoint', 'push'] });
    camera.createFailures = [fault('ActionNotSupported')];
    manager.start();
    await scheduler.advance(2_000);
    expect(camera.ops('create').map((call) => (call as { mode: string }).mode)).toEqual(['pullpoint', 'push']);
    expect(manager.status().mode).toBe('push');
    expect(camera.ops('pull')).toHaveLength(0);
    manager.stop();
  });

  it('pausing stops pulling but keeps renewing; stopping without unsubscribe sends nothing at all', async () => {
    const { scheduler, camera, manager } = setup();
    manager.start();
    await scheduler.advance(0);
    manager.pause();
    await scheduler.advance(60_000);
    const pullsWhilePaused = camera.ops('pull').length;
    await scheduler.advance(480_000);
    expect(camera.ops('pull')).toHaveLength(pullsWhilePaused);
    expect(camera.ops('renew')).toHaveLength(1);
    manager.resume();
    await scheduler.advance(0);
    expect(camera.ops('pull').length).toBe(pullsWhilePaused + 1);
    manager.stop();
    const before = camera.calls.length;
    await scheduler.advance(3_600_000);
    // After stop the camera hears nothing more, and the subscription is kept for the next start.
    expect(camera.calls.length).toBe(before);
    expect(camera.ops('unsubscribe')).toHaveLength(0);
  });

  it('keeps every change of its subscription for the next start, and unsubscribes its own on a clean stop', async () => {
    const { scheduler, camera, manager, kept } = setup();
    manager.start();
    await scheduler.advance(480_000);
    expect(kept).toEqual([
      { reference: { address: 'http://camera/sub/1' }, mode: 'pullpoint', expiresAt: 1_000_000 + 600_000 },
      { reference: { address: 'http://camera/sub/1' }, mode: 'pullpoint', expiresAt: 1_000_000 + 1_080_000 },
    ]);
    await manager.stop({ unsubscribe: true });
    expect(camera.ops('unsubscribe')).toEqual([expect.objectContaining({ address: 'http://camera/sub/1' })]);
    expect(kept.at(-1)).toBeUndefined();
    expect(manager.status().subscribed).toBe(false);
  });

  it('resumes its own subscription from before a restart: renews and pulls it, creates none', async () => {
    const resume: ActiveSubscription = {
      reference: { address: 'http://camera/sub/7', referenceParameters: '<SubscriptionId>7</SubscriptionId>' },
      mode: 'pullpoint',
      expiresAt: 1_000_000 + 300_000,
    };
    const { scheduler, camera, manager, kept, transitions } = setup({ resume });
    manager.start();
    await scheduler.advance(0);
    expect(camera.ops('create')).toHaveLength(0);
    expect(camera.ops('renew')).toEqual([expect.objectContaining({ address: 'http://camera/sub/7', at: 1_000_000 })]);
    expect(camera.ops('synchronize')).toHaveLength(1);
    expect(camera.ops('pull')).toEqual([expect.objectContaining({ address: 'http://camera/sub/7' })]);
    expect(transitions[0]).toEqual({ type: 'resumed', mode: 'pullpoint', expiresInMs: 300_000 });
    expect(kept.at(-1)).toEqual({ ...resume, expiresAt: 1_000_000 + 600_000 });
    expect(manager.status()).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    manager.stop();
  });

  it('subscribes anew when the resumed subscription is gone (the camera faults its Renew)', async () => {
    const resume: ActiveSubscription = {
      reference: { address: 'http://camera/sub/7' },
      mode: 'pullpoint',
      expiresAt: 1_000_000 + 300_000,
    };
    const { scheduler, camera, manager } = setup({ resume });
    camera.renewFailures = [fault('ResourceUnknownFault')];
    manager.start();
    await scheduler.advance(5_000);
    expect(camera.ops('create')).toHaveLength(1);
    expect(
      camera.ops('pull').filter((call) => 'address' in call && call.address === 'http://camera/sub/7'),
    ).toHaveLength(0);
    expect(manager.status()).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    expect(camera.ops('pull').at(-1)).toMatchObject({ address: 'http://camera/sub/1' });
    manager.stop();
  });

  it('does not resume a subscription that has expired or is of a mode no longer configured', async () => {
    for (const resume of [
      { reference: { address: 'http://camera/sub/7' }, mode: 'pullpoint' as const, expiresAt: 1_000_000 - 1 },
      { reference: { address: 'http://camera/sub/7' }, mode: 'push' as const, expiresAt: 1_000_000 + 300_000 },
    ]) {
      const { scheduler, camera, manager } = setup({ resume });
      manager.start();
      await scheduler.advance(0);
      expect(camera.ops('renew')).toHaveLength(0);
      expect(camera.ops('create')).toHaveLength(1);
      manager.stop();
    }
  });

  it('in auto, stops asking for push once the camera refused it, and backs off on PullPoint meanwhile', async () => {
    const { scheduler, camera, manager, transitions } = setup({ modes: ['pullpoint', 'push'] });
    const refusal = new SoapFault(
      'Sender',
      ['InvalidArgVal'],
      'Callback address must be a routable unicast address',
      400,
    );
    const full = new SoapFault(
      'Receiver',
      ['SubscribeCreationFailedFault'],
      'Maximum number of subscriptions reached',
      500,
    );
    camera.createFailures = [full, refusal, full, full, full];
    manager.start();
    await scheduler.advance(60_000);
    const creates = camera.ops('create');
    expect(creates.map((call) => (call as { mode: string }).mode)).toEqual([
      'pullpoint',
      'push',
      'pullpoint',
      'pullpoint',
      'pullpoint',
      'pullpoint',
    ]);
    // Doubling (1 s, 2 s, 4 s, 8 s with the jitter at its middle): nowhere near a retry a second.
    const gaps = creates.slice(1).map((call, index) => call.at - (creates[index] as { at: number }).at);
    expect(gaps.slice(1)).toEqual([1500, 3000, 6000, 12_000]);
    expect(transitions).toContainEqual(
      expect.objectContaining({ type: 'mode_refused', mode: 'push', fallback: 'pullpoint', error: refusal }),
    );
    expect(manager.status()).toMatchObject({ subscribed: true, mode: 'pullpoint' });
    manager.stop();
  });

  it('after a reconnect renews at once, re-subscribes if the camera lost it, and resyncs state', async () => {
    const { scheduler, camera, manager } = setup();
    manager.start();
    await scheduler.advance(0);
    camera.renewFailures = [fault('ResourceUnknownFault')];
    await manager.checkAfterReconnect();
    await scheduler.advance(0);
    expect(camera.ops('renew')).toHaveLength(1);
    expect(camera.ops('create')).toHaveLength(2);
    expect(camera.ops('synchronize').at(-1)).toMatchObject({ address: 'http://camera/sub/2' });
    manager.stop();
  });
});
