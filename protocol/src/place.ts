import { z } from 'zod';
import { CommunityCode, GridCode } from './ids.js';

/** Where a device is installed: fixed at provisioning, carried on every uplink event. */
export const Place = z.strictObject({
  community: CommunityCode,
  grid: GridCode.optional(),
  building: z.string().min(1).max(32).optional(),
  unit: z.string().min(1).max(32).optional(),
  floor: z.int().min(-10).max(200).optional(),
  room: z.string().min(1).max(32).optional(),
});
export type Place = z.infer<typeof Place>;
