import { z } from 'zod';

/**
 * An installer tag on a device (`elderly_alone`, `pump_room`): the one format the registry stores,
 * rule selectors name and recordings carry, so every tag a device can have is one a rule can select.
 */
export const DEVICE_TAG_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

export const DeviceTag = z
  .string()
  .regex(DEVICE_TAG_PATTERN, 'a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone)');
export type DeviceTag = z.infer<typeof DeviceTag>;
