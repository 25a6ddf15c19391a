import type { DeviceKind } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { planWear } from './wear.js';

const devices = Array.from({ length: 100 }, (_, i) => ({
  id: `dev-${String(i).padStart(3, '0')}`,
  kind: (i % 2 === 0 ? 'smoke_detector' : 'access_control') as DeviceKind,
}));

describe('a simulated community wearing over its first minutes', () => {
  it('has a few devices fall silent and a few batteries run under 20 %, each device at most once, within the window', () => {
    const plan = planWear(devices, seededRandom(7), { withinMs: 60_000 });
    const offline = plan.filter((wear) => wear.kind === 'offline');
    const low = plan.filter((wear) => wear.kind === 'low_battery');
    expect(offline).toHaveLength(2);
    expect(low.length).toBeGreaterThanOrEqual(1);
    expect(new Set(plan.map((wear) => wear.deviceId)).size).toBe(plan.length);
    for (const wear of plan) expect(wear.at_ms).toBeGreaterThanOrEqual(0);
    for (const wear of plan) expect(wear.at_ms).toBeLessThanOrEqual(60_000);
    expect(plan.map((wear) => wear.at_ms)).toEqual([...plan.map((wear) => wear.at_ms)].sort((a, b) => a - b));
    for (const wear of low) {
      if (wear.kind !== 'low_battery') continue;
      expect(wear.battery).toBeGreaterThanOrEqual(5);
      expect(wear.battery).toBeLessThan(20);
    }
  });

  it('runs low only batteries the kind has (a smoke detector has one)', () => {
    const plan = planWear(devices, seededRandom(7));
    for (const wear of plan.filter((w) => w.kind === 'low_battery'))
      expect(devices.find((device) => device.id === wear.deviceId)?.kind).toBe('smoke_detector');
  });

  it('is the same plan for the same seed, and another for another', () => {
    expect(planWear(devices, seededRandom(7))).toEqual(planWear(devices, seededRandom(7)));
    expect(planWear(devices, seededRandom(8))).not.toEqual(planWear(devices, seededRandom(7)));
  });

  it('plans nothing for no devices', () => {
    expect(planWear([], seededRandom(1))).toEqual([]);
  });
});
