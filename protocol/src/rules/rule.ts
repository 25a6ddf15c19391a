import { z } from 'zod';
import { RuleId } from '../ids.js';
import type { DeviceProfile } from '../profiles/define.js';
import { profileOf } from '../profiles/index.js';
import { CategoryCode } from '../vocabulary/categories.js';
import { Severity } from '../vocabulary/severity.js';
import { Action } from './actions.js';
import { Condition } from './conditions.js';
import { Schedule, Suppression } from './schedule.js';
import { Selector } from './selector.js';

const Text = z.strictObject({ zh: z.string().min(1).max(256), en: z.string().min(1).max(256) });

/**
 * One alert rule, as data. `message` and `dedup_key` are templates over `{device_id}`,
 * `{rule_id}`, `{building}`, `{unit}`, `{floor}` and the triggering fields (`{gas_lel}`).
 */
export const Rule = z
  .strictObject({
    id: RuleId,
    name: Text,
    enabled: z.boolean().default(true),
    selector: Selector,
    condition: Condition,
    /** Active only in these periods (e.g. after hours); always active when absent. */
    schedule: Schedule.optional(),
    severity: Severity,
    category: CategoryCode,
    /** Alerts with the same key are one alert (repeats raise its occurrence count). */
    dedup_key: z.string().min(1).max(256).default('{rule_id}:{device_id}'),
    /** Re-announce a still-active alert this often (fire lane: every 5 min); never when absent. */
    repeat_every_s: z.int().min(10).optional(),
    message: Text,
    actions: z.array(Action).max(10).default([]),
  })
  .superRefine((rule, ctx) => checkAgainstProfiles(rule, ctx));
export type Rule = z.output<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;

/** A rule file: the rules, and suppression windows (maintenance, drills). Rule ids are unique. */
export const RuleFile = z
  .strictObject({
    version: z.literal(1),
    rules: z.array(Rule).default([]),
    suppressions: z.array(Suppression).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((rule, index) => {
      const first = seen.get(rule.id);
      if (first === undefined) seen.set(rule.id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'id'],
          message: `duplicate rule id ${rule.id} (also rules.${first})`,
        });
    });
  });
export type RuleFile = z.output<typeof RuleFile>;

const numericFields = (profile: DeviceProfile) => {
  const fields = new Set<string>();
  const collect = (shape: Record<string, z.ZodType>) => {
    for (const [name, schema] of Object.entries(shape)) {
      const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
      if ((inner as z.ZodType).def.type === 'number') fields.add(name);
    }
  };
  collect(profile.state);
  for (const event of Object.values(profile.events)) collect(event.fields);
  return [...fields];
};

/**
 * Fields and events named by a condition must exist in the profile of every selected kind, so a
 * typo (`tilt_deg`) is refused when the file is loaded instead of silently never firing.
 */
function checkAgainstProfiles(rule: z.output<typeof Rule>, ctx: z.core.$RefinementCtx<z.output<typeof Rule>>) {
  const kinds = rule.selector.kinds ?? [];
  const checkEvent = (event: string, path: PropertyKey[], kindsToCheck: readonly string[]) => {
    for (const kind of kindsToCheck) {
      const events = Object.keys(profileOf(kind as never).events);
      if (!events.includes(event)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${event}" is not an event of ${kind} (events: ${events.join(', ') || 'none'})`,
        });
      }
    }
  };
  const { condition } = rule;
  switch (condition.type) {
    case 'threshold':
      for (const kind of kinds) {
        const fields = numericFields(profileOf(kind));
        if (!fields.includes(condition.field)) {
          ctx.addIssue({
            code: 'custom',
            path: ['condition', 'field'],
            message: `"${condition.field}" is not a numeric field of ${kind} (numeric fields: ${fields.join(', ') || 'none'})`,
          });
        }
      }
      break;
    case 'event':
      checkEvent(condition.event, ['condition', 'event'], kinds);
      if (condition.clear_event) checkEvent(condition.clear_event, ['condition', 'clear_event'], kinds);
      break;
    case 'count':
      checkEvent(condition.event, ['condition', 'event'], kinds);
      break;
    case 'absence':
      if (condition.event) checkEvent(condition.event, ['condition', 'event'], kinds);
      break;
    case 'correlation':
      condition.of.forEach((entry, index) => {
        checkEvent(entry.event, ['condition', 'of', index, 'event'], entry.selector?.kinds ?? kinds);
      });
      break;
  }
}
