import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import { LivenessTracker } from './tracker.js';

// temp_humidity's profile heartbeat is 1800 s.
const th: DeviceRecord = { id: 'th-1', kind: 'temp_humidity', status: 'active', passwordHash: '' };
const HEARTBEAT = 1800_000;
const options = { offlineAfterMissed: 2, onlineAfterMessages: 2, disconnectGraceMs: 30_000 };
const states = (changes: Array<{ state: string; reason: string }>) => changes.map((c) => `${c.state}:${c.reason}`);

describe('device liveness', () => {
  it('a first message brings a device online', () => {
    const tracker = new LivenessTracker(options);
    expect(tracker.heard(th, 0)).toMatchObject({ state: 'online', reason: 'connected' });
    expect(tracker.heard(th, 1000)).toBeUndefined();
  });

  it('goes offline only after the configured number of missed heartbeat deadlines', () => {
    const tracker = new LivenessTracker(options);
    tracker.heard(th, 0);
    expect(tracker.check(HEARTBEAT * 2)).toEqual([]);
    expect(states(tracker.check(HEARTBEAT * 2 + 1))).toEqual(['offline:heartbeat_missed']);
    expect(tracker.check(HEARTBEAT * 5)).toEqual([]); // reported once, not on every check
  });

  it('a device that is expected but never heard from goes offline after its deadline', () => {
    const tracker = new LivenessTracker(options);
    tracker.expect(th, 0);
    expect(tracker.stateOf('th-1')).toBe('unknown');
    expect(states(tracker.check(HEARTBEAT * 2 + 1))).toEqual(['offline:heartbeat_missed']);
  });

  it('a disconnect counts only after the grace period, and a reconnect within it cancels it', () => {
    const tracker = new LivenessTracker(options);
    tracker.heard(th, 0);
    tracker.gone(th, 'disconnected', 1000);
    expect(tracker.check(20_000)).toEqual([]);
    tracker.heard(th, 25_000); // back within the grace: no flap
    expect(tracker.check(60_000)).toEqual([]);
    tracker.gone(th, 'lwt', 70_000);
    expect(states(tracker.check(100_000))).toEqual(['offline:lwt']);
  });

  it('needs several messages to come back online (hysteresis)', () => {
    const tracker = new LivenessTracker(options);
    tracker.heard(th, 0);
    tracker.gone(th, 'disconnected', 0);
    tracker.check(30_000);
    expect(tracker.heard(th, 31_000)).toBeUndefined();
    expect(tracker.heard(th, 32_000)).toMatchObject({ state: 'online', reason: 'connected' });
    expect(tracker.counts()).toEqual({ online: 1, offline: 0, unknown: 0 });
  });
});
