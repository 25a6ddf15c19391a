import { z } from 'zod';
import { DeviceId, GatewayId } from '../ids.js';
import { DeviceKind } from '../profiles/index.js';
import { Timestamp } from '../time.js';

/** Most devices in one readings event: a large community's window is split into parts. */
export const READINGS_PART_MAX = 500;

/** One field of one device over the window (its numeric state reports). */
export const ReadingStats = z.strictObject({
  count: z.int().min(1),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  last: z.number(),
});
export type ReadingStats = z.infer<typeof ReadingStats>;

/** One device's readings over the window: its profile's numeric state fields (not battery or signal). */
export const DeviceReadings = z.strictObject({
  device_id: DeviceId,
  device_kind: DeviceKind,
  fields: z.record(z.string().min(1).max(64), ReadingStats),
});
export type DeviceReadings = z.infer<typeof DeviceReadings>;

/**
 * The readings of many devices over one window (`cn.gridlink.readings.window.v1`), in parts of at
 * most READINGS_PART_MAX devices: for charts, so in the lowest delivery class, never ahead of an
 * alarm. The cloud keeps one summary per device and window start; a repeated part changes nothing.
 */
export const ReadingsWindow = z
  .strictObject({
    gateway_id: GatewayId,
    window_start: Timestamp,
    window_end: Timestamp,
    part: z.int().min(1),
    parts: z.int().min(1).max(10_000),
    devices: z.array(DeviceReadings).min(1).max(READINGS_PART_MAX),
  })
  .refine((window) => window.part <= window.parts, { message: 'part must be at most parts', path: ['part'] })
  .refine((window) => Date.parse(window.window_start) < Date.parse(window.window_end), {
    message: 'window_end must be after window_start',
    path: ['window_end'],
  });
export type ReadingsWindow = z.infer<typeof ReadingsWindow>;
