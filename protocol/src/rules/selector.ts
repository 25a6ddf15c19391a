import { z } from 'zod';
import { DeviceTag } from '../device-tag.js';
import { CommunityCode, DeviceId } from '../ids.js';
import { DeviceKind } from '../profiles/index.js';

/** Which devices a rule (or an action's target) applies to; every given field must match. */
export const Selector = z
  .strictObject({
    kinds: z.array(DeviceKind).min(1).optional(),
    devices: z.array(DeviceId).min(1).optional(),
    community: CommunityCode.optional(),
    building: z.string().min(1).max(32).optional(),
    unit: z.string().min(1).max(32).optional(),
    floor: z.int().min(-10).max(200).optional(),
    /** Installer tags on devices (e.g. `elderly_alone`, `pump_room`). */
    tags: z.array(DeviceTag).min(1).optional(),
  })
  .refine((s) => Object.keys(s).length > 0, {
    message: 'a selector needs at least one of kinds, devices, community, building, unit, floor, tags',
  });
export type Selector = z.infer<typeof Selector>;

/** Devices "in the same place" for correlations and action targets. */
export const SamePlace = z.enum(['room', 'unit', 'floor', 'building', 'community']);
export type SamePlace = z.infer<typeof SamePlace>;
