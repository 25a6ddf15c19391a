import { z } from 'zod';
import { Timestamp } from '../time.js';
import { Selector } from './selector.js';

const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is HH:MM, 00:00 to 23:59');
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/**
 * When a rule is active, in the gateway's local time (Asia/Shanghai unless configured). A period
 * whose `to` is earlier than its `from` runs past midnight (after hours: 22:00 → 06:00).
 */
export const Schedule = z.strictObject({
  periods: z.array(z.strictObject({ from: TimeOfDay, to: TimeOfDay, days: z.array(Weekday).min(1).optional() })).min(1),
});
export type Schedule = z.infer<typeof Schedule>;

/** A window in which matching alerts are not raised: maintenance (检修) or a drill (演练). */
export const Suppression = z
  .strictObject({
    from: Timestamp,
    to: Timestamp,
    reason: z.enum(['maintenance', 'drill', 'other']),
    /** Which devices; all of the rule's devices when absent. */
    selector: Selector.optional(),
    /** Which rules; every rule when absent. */
    rules: z.array(z.string().min(1)).min(1).optional(),
    note: z.string().max(256).optional(),
  })
  .refine((s) => Date.parse(s.to) > Date.parse(s.from), { message: 'to must be after from', path: ['to'] });
export type Suppression = z.infer<typeof Suppression>;
