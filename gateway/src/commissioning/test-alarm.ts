import { type DeviceKind, profileOf } from '@gridlink/protocol';

/** The event a drill sends for a kind, and the one that ends it (the rule's clear event). */
export interface TestAlarm {
  event: string;
  payload: Record<string, unknown>;
  clear?: { event: string; payload: Record<string, unknown> };
}

/** Clear events by convention, most specific first: `alarm` → `alarm_cleared`, `pressed` → `cancelled`. */
const clearNames = (event: string) => [`${event}_cleared`, 'cleared', 'cancelled', 'closed'];

/**
 * The test alarm of a kind: its first urgent event (a threat to life or property, the class a
 * drill must prove reaches a person) with the profile's own example payload, stamped now. Undefined
 * for a kind with no urgent event or no example of it: such a device cannot be drilled.
 */
export function testAlarmFor(kind: DeviceKind, at: string): TestAlarm | undefined {
  const profile = profileOf(kind);
  const examples = profile.examples.events as Record<string, Array<Record<string, unknown>> | undefined>;
  for (const [event, spec] of Object.entries(profile.events) as Array<[string, { urgent?: true }]>) {
    const example = examples[event]?.[0];
    if (!spec.urgent || !example) continue;
    const clearEvent = clearNames(event).find((name) => name in profile.events && examples[name]?.[0]);
    return {
      event,
      payload: { ...example, ts: at },
      ...(clearEvent ? { clear: { event: clearEvent, payload: { ...examples[clearEvent]?.[0], ts: at } } } : {}),
    };
  }
  return undefined;
}

/** Whether a device of `kind` can be drilled (the console lists only these). */
export const canDrill = (kind: DeviceKind) => testAlarmFor(kind, new Date(0).toISOString()) !== undefined;

/** Whether `event` is an urgent event of `kind` (one a drill counts as the test alarm). */
export function isUrgent(kind: DeviceKind, event: string): boolean {
  return (profileOf(kind).events as Record<string, { urgent?: true } | undefined>)[event]?.urgent === true;
}
