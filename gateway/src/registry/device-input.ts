import { CommunityCode, DeviceId, DeviceKind, GridCode, Place } from '@gridlink/protocol';
import { z } from 'zod';
import { formatIssues } from '../config/issues.js';
import type { Schema } from '../config/schema-walk.js';

/**
 * What an installer supplies for a new device: its provisioning id and kind, where it is (the
 * protocol's `Place` parts) and free notes. The password is never an input: the registry makes one.
 */
export const DeviceInput = z
  .strictObject({
    id: DeviceId,
    kind: DeviceKind,
    community: CommunityCode.optional(),
    grid: GridCode.optional(),
    building: Place.shape.building,
    unit: Place.shape.unit,
    floor: Place.shape.floor,
    room: Place.shape.room,
    notes: z.string().max(1000).optional(),
  })
  .superRefine((input, ctx) => {
    const placed = [input.grid, input.building, input.unit, input.floor, input.room].some((v) => v !== undefined);
    if (placed && input.community === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['community'],
        message: 'required when grid, building, unit, floor or room is given (12 digits)',
      });
    }
    if (input.community !== undefined && input.grid !== undefined && !input.grid.startsWith(input.community)) {
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: `grid ${input.grid} is not in community ${input.community} (a grid code starts with its community's 12 digits)`,
      });
    }
  });
export type DeviceInput = z.output<typeof DeviceInput>;

/** The fields of a device input, in the order the CSV header and the CLI list them. */
export const DEVICE_INPUT_FIELDS = [
  'id',
  'kind',
  'community',
  'grid',
  'building',
  'unit',
  'floor',
  'room',
  'notes',
] as const;
export type DeviceInputField = (typeof DEVICE_INPUT_FIELDS)[number];

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Validates untrusted input; every problem is one `field: message` line. */
export function checkDeviceInput(input: unknown): Checked<DeviceInput> {
  const result = DeviceInput.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: formatIssues(result.error.issues, { schema: DeviceInput as unknown as Schema }) };
}
