import { gaussian, type Random } from './random.js';

/**
 * Share of a household's daily water use in each local hour: a morning and an evening peak,
 * nearly nothing at night (typical residential demand curve).
 */
const HOURLY_SHARE = [
  0.005, 0.003, 0.002, 0.002, 0.004, 0.02, 0.07, 0.1, 0.07, 0.045, 0.04, 0.05, 0.065, 0.04, 0.03, 0.03, 0.04, 0.055,
  0.085, 0.09, 0.075, 0.055, 0.03, 0.014,
];

/** China Standard Time: households keep local hours (UTC+8, no daylight saving). */
export const CHINA_OFFSET_MS = 8 * 3600_000;

export function localHour(at: number, offsetMs = CHINA_OFFSET_MS): number {
  return new Date(at + offsetMs).getUTCHours();
}

/** Litres a household uses between `from` and `to` (ms), around its daily use, never negative. */
export function householdUse(random: Random, from: number, to: number, litresPerDay: number): number {
  if (litresPerDay <= 0 || to <= from) return 0;
  let litres = 0;
  for (let at = from; at < to; ) {
    const hourEnd = Math.min(to, Math.floor(at / 3600_000) * 3600_000 + 3600_000);
    const share = HOURLY_SHARE[localHour(at)] ?? 0;
    litres += (litresPerDay * share * (hourEnd - at)) / 3600_000;
    at = hourEnd;
  }
  return Math.max(0, Math.round(gaussian(random, litres, litres * 0.25) * 10) / 10);
}
