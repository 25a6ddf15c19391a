import { validateDeviceMessage } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { StateModel } from './state-model.js';
import { householdUse } from './water-use.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-25T00:00:00.000Z');

describe('the true condition of a device and its noisy readings', () => {
  it('reads around the true value, within the profile, and follows the value a scenario sets', () => {
    const model = new StateModel('hydrant_pressure', seededRandom(3), { pressure: 320 });
    const readings = Array.from({ length: 500 }, (_, i) => model.read(T0 + i * 1000).pressure as number);
    const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
    expect(Math.abs(mean - 320)).toBeLessThan(1);
    expect(Math.min(...readings)).toBeGreaterThan(300);
    expect(new Set(readings).size).toBeGreaterThan(5); // noisy, not constant
    model.set({ pressure: 95 });
    expect(Math.abs((model.read(T0 + DAY).pressure as number) - 95)).toBeLessThan(15);
  });

  it('drains the battery with simulated time: a year at 0.03 %/day costs about 11 points', () => {
    const model = new StateModel('smoke_detector', seededRandom(1), { battery: 90 });
    expect(model.read(T0).battery).toBe(90);
    expect(model.read(T0 + 365 * DAY).battery).toBe(79);
  });

  it('refuses a field the kind does not have, naming the fields it has', () => {
    const model = new StateModel('door_contact', seededRandom(1));
    expect(() => model.set({ contakt: 'open' })).toThrow(
      'door_contact has no state field "contakt" (fields: contact, battery, rssi, tamper)',
    );
  });

  it('keeps every reading valid for its profile', () => {
    const model = new StateModel('gas_detector', seededRandom(9), { gas_lel: 0 });
    for (let i = 0; i < 200; i++) {
      const result = validateDeviceMessage({
        topic: 'gridlink/gas-1',
        payload: JSON.stringify(model.read(T0 + i)),
        kind: 'gas_detector',
      });
      expect(result.ok ? 'ok' : result.error.message).toBe('ok');
    }
  });
});

describe('household water use', () => {
  it('follows the day: little at night, most in the morning and evening, about the daily figure in 24 h', () => {
    const random = seededRandom(5);
    const hour = (h: number) => householdUse(random, T0 + (h - 8) * 3600_000, T0 + (h - 7) * 3600_000, 300);
    expect(hour(3)).toBeLessThan(3); // 03:00 China time
    expect(hour(7)).toBeGreaterThan(15);
    const day = householdUse(seededRandom(6), T0, T0 + DAY, 300);
    expect(day).toBeGreaterThan(150);
    expect(day).toBeLessThan(450);
    expect(householdUse(random, T0, T0 + DAY, 0)).toBe(0);
  });
});
