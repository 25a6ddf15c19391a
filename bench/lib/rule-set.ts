import { builtinRules } from '@gridlink/gateway';
import { DEVICE_KINDS, type DeviceKind, profileOf, Rule, type RuleInput } from '@gridlink/protocol';
import type { z } from 'zod';

/** Numeric fields of a kind's state: what generated threshold rules watch. */
function numericStateFields(kind: DeviceKind): string[] {
  return Object.entries(profileOf(kind).state)
    .filter(([, schema]) => (schema as z.ZodType).def.type === 'number')
    .map(([name]) => name);
}

/**
 * `count` rules for a community: the built-in templates, then generated threshold and event rules
 * spread over every kind (different thresholds, so they are distinct work, as a tenant's tuned
 * copies would be).
 */
export function ruleSet(count: number): Rule[] {
  const rules: RuleInput[] = builtinRules();
  const kinds = DEVICE_KINDS.filter((kind) => kind !== 'gateway');
  for (let n = 0; rules.length < count; n++) {
    const kind = kinds[n % kinds.length] as DeviceKind;
    const fields = numericStateFields(kind);
    const events = Object.keys(profileOf(kind).events);
    const base = {
      name: { zh: '生成规则', en: 'Generated rule' },
      selector: { kinds: [kind] },
      severity: 'minor' as const,
      category: 'other',
      message: { zh: '{device_id}', en: '{device_id}' },
    };
    if (fields.length > 0 && n % 2 === 0) {
      const field = fields[n % fields.length] as string;
      rules.push({
        ...base,
        id: `gen.${kind}.${n}`,
        condition: { type: 'threshold', field, op: '>', value: 1000 + n },
      });
    } else if (events.length > 0) {
      rules.push({
        ...base,
        id: `gen.${kind}.${n}`,
        condition: { type: 'count', event: events[n % events.length] as string, at_least: 1000, window_s: 3600 },
      });
    }
  }
  return rules.slice(0, count).map((rule) => Rule.parse(rule));
}
