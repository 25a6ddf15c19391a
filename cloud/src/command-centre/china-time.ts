import { monthOf, monthRange } from '../property/kpis.js';

/** Days and months are cut at midnight China time (UTC+8, no daylight saving), as assessments are. */
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The date (`YYYY-MM-DD`) in China at `at`. */
export const chinaDate = (at: Date): string => new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);

/** The first moment of the China day `at` falls in. */
export const chinaDayStart = (at: Date): Date =>
  new Date(Math.floor((at.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS);

/** The first moment of the China month `at` falls in. */
export const chinaMonthStart = (at: Date): Date => monthRange(monthOf(at)).from;

/** The first moment of the China month before the one `at` falls in. */
export const previousChinaMonthStart = (at: Date): Date =>
  monthRange(monthOf(new Date(chinaMonthStart(at).getTime() - 1))).from;
