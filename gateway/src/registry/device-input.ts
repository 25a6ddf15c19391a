import {
  CommunityCode,
  type ConfigSchema,
  DEVICE_TAG_PATTERN,
  DeviceId,
  DeviceKind,
  DeviceTag,
  formatIssues,
  GridCode,
  Place,
  REGISTRY_CSV_COLUMNS,
  type RegistryCsvColumn,
} from '@gridlink/protocol';
import { z } from 'zod';

/** An installer tag, exactly as rule selectors name it (`elderly_alone`, `pump_room`): the protocol's one format. */
export const TAG_PATTERN = DEVICE_TAG_PATTERN;
export const Tag = DeviceTag;
export const MAX_TAGS = 16;

/** A device's tags as stored: distinct and sorted, so equal sets compare and list alike. */
export const Tags = z
  .array(Tag)
  .transform((tags) => [...new Set(tags)].sort())
  .superRefine((tags, ctx) => {
    if (tags.length > MAX_TAGS) {
      ctx.addIssue({
        code: 'custom',
        message: `${tags.length} different tags; a device has at most ${MAX_TAGS}: remove some`,
      });
    }
  });

/**
 * What an installer supplies for a new device: its provisioning id and kind, where it is (the
 * protocol's `Place` parts), free notes and the tags rules select on. The password is never an input: the registry makes one.
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
    tags: Tags.optional(),
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
export const DEVICE_INPUT_FIELDS = REGISTRY_CSV_COLUMNS;
export type DeviceInputField = RegistryCsvColumn;

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Validates untrusted input; every problem is one `field: message` line. */
export function checkDeviceInput(input: unknown): Checked<DeviceInput> {
  const result = DeviceInput.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: tagIssuesByValue(formatIssues(result.error.issues, { schema: DeviceInput as unknown as ConfigSchema })),
  };
}

const TagEdit = z.strictObject({ tags: z.array(Tag).min(1) });
const TagSet = z.strictObject({ tags: Tags });

/**
 * Validates tags to add or remove (`edit`: at least one) or a device's whole new set (`set`:
 * deduplicated, sorted, at most MAX_TAGS); every problem is one `tags: message` line.
 */
export function checkTags(tags: readonly unknown[], purpose: 'edit' | 'set'): Checked<string[]> {
  const schema = purpose === 'edit' ? TagEdit : TagSet;
  const result = schema.safeParse({ tags: [...tags] }, { reportInput: true });
  if (result.success) return { ok: true, value: result.data.tags };
  return {
    ok: false,
    issues: tagIssuesByValue(formatIssues(result.error.issues, { schema: schema as unknown as ConfigSchema })),
  };
}

/** A bad tag is named by its value (in the message); its position in the list says nothing more. */
function tagIssuesByValue(issues: string[]): string[] {
  return issues.map((issue) => issue.replace(/^tags\.\d+: /, 'tags: '));
}
