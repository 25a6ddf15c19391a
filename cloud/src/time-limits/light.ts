import { z } from 'zod';
import { countedSpans, measure, millisOf, type Pause, unitMs } from './counting.js';
import { TimeLimit } from './limits.js';
import type { TimeContext } from './time-context.js';

/** Shares of the limit at which a step turns yellow and red; some cities warn at 70 %. */
export const LightThresholds = z
  .strictObject({
    yellow: z.number().positive().default(0.8),
    red: z.number().positive().default(1),
  })
  .refine((thresholds) => thresholds.yellow <= thresholds.red, {
    message: 'yellow must not be above red',
    path: ['yellow'],
  });
export type LightThresholds = z.output<typeof LightThresholds>;
export type LightThresholdsInput = z.input<typeof LightThresholds>;

export type TrafficLight = 'green' | 'yellow' | 'red';

export interface LightReading {
  light: TrafficLight;
  /** The share of the limit used so far, leaving out pauses: 0.8 is 80 %, above 1 is overdue. */
  used: number;
}

/**
 * A step's traffic light: green below the yellow threshold, yellow from it up to and including the
 * red threshold, red above it (docs/domain.md §4: green < 80 %, yellow 80–100 %, red > 100 %).
 */
export function light(
  start: Date,
  now: Date,
  limit: TimeLimit,
  pauses: readonly Pause[],
  ctx: TimeContext,
  thresholds: LightThresholdsInput = {},
): LightReading {
  const { yellow, red } = LightThresholds.parse(thresholds);
  const { value, unit } = TimeLimit.parse(limit);
  // One division of whole milliseconds, so 80 minutes of 100 is exactly the threshold 0.8.
  const counted = measure(countedSpans(millisOf(start, 'start'), unit, pauses, ctx), millisOf(now, 'now'));
  const used = counted / (value * unitMs(unit, ctx));
  if (used > red) return { light: 'red', used };
  if (used >= yellow) return { light: 'yellow', used };
  return { light: 'green', used };
}
