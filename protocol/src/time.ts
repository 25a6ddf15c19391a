import { z } from 'zod';

/** ISO-8601 in UTC with `Z`, as every `ts` on the wire (milliseconds expected, not required). */
export const Timestamp = z.iso
  .datetime({ offset: false })
  .meta({ description: 'ISO-8601 UTC timestamp ending in Z, e.g. 2026-11-25T14:52:18.646Z' });
export type Timestamp = z.infer<typeof Timestamp>;

/** The canonical wire form of an instant: ISO-8601 UTC with milliseconds. */
export function toTimestamp(date: Date | number): Timestamp {
  return new Date(date).toISOString();
}
