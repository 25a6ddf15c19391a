/**
 * Local rules: events/s through 500 rules over 2,000 devices (decode once, evaluate many), in
 * process, on pre-decoded observations as the gateway's bus delivers them.
 *
 *   npm run bench rules-throughput
 */
import { performance } from 'node:perf_hooks';
import { type Observation, RuleEngine } from '@gridlink/gateway';
import { DEVICE_KINDS, type DeviceKind, profileOf } from '@gridlink/protocol';
import { ruleSet } from './lib/rule-set.js';
import { fmt } from './lib/stats.js';

const RULES = Number(process.env.RULES ?? 500);
const DEVICES = Number(process.env.DEVICES ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 5);

const rules = ruleSet(RULES);
const kinds = DEVICE_KINDS.filter((kind) => kind !== 'gateway');
const devices = Array.from({ length: DEVICES }, (_, n) => {
  const kind = kinds[n % kinds.length] as DeviceKind;
  const building = String(1 + (n % 12));
  return {
    id: `dev-${n}`,
    kind,
    status: 'active' as const,
    passwordHash: '',
    place: { community: '320803001001', building, unit: String(1 + (n % 4)), floor: 1 + (n % 18), room: String(n) },
    ...(n % 10 === 0 ? { tags: ['elderly_alone'] } : {}),
  };
});

// Every kind's example states and events, as the bus hands them over. The mix is nine state
// reports to one event, as in a live community (events are the exceptions).
type Message = Omit<Observation, 'device' | 'at'>;
const states = new Map<DeviceKind, Message[]>();
const eventsOf = new Map<DeviceKind, Message[]>();
for (const kind of kinds) {
  const profile = profileOf(kind);
  states.set(
    kind,
    profile.examples.state.map((fields) => ({ kind: 'state' as const, fields })),
  );
  eventsOf.set(
    kind,
    Object.entries(profile.examples.events).flatMap(([eventType, payloads]) =>
      (payloads ?? []).map((fields) => ({ kind: 'event' as const, eventType, fields })),
    ),
  );
}

let alertIds = 0;
const engine = new RuleEngine({ rules, newAlertId: () => `al-${++alertIds}` });
const start = Date.parse('2026-11-25T02:00:00.000Z');
let now = start;
engine.watch(devices, now);

let events = 0;
let transitions = 0;
const began = performance.now();
const deadline = began + SECONDS * 1000;
let lastTick = now;
while (performance.now() < deadline) {
  for (let batch = 0; batch < 1000; batch++) {
    const device = devices[events % devices.length] as (typeof devices)[number];
    const round = (events / devices.length) | 0;
    const eventList = eventsOf.get(device.kind) ?? [];
    const list = round % 10 === 9 && eventList.length > 0 ? eventList : (states.get(device.kind) ?? []);
    const message = list[round % list.length] as Message;
    transitions += engine.observe({ ...message, device, at: now }).length;
    events++;
  }
  // The engine's clock is this run's own; it ticks once a second, as the gateway does.
  now = start + Math.round(performance.now() - began);
  if (now - lastTick >= 1000) {
    transitions += engine.tick(now).length;
    lastTick = now;
  }
}
const rate = events / SECONDS;
const rulesPerKind = RULES / kinds.length;
console.log(
  `rules: ${RULES} rules (${Math.round(rulesPerKind)} per kind on average) over ${DEVICES} devices, ${SECONDS} s, Node ${process.version}`,
);
console.log(
  `  events through the engine: ${fmt(rate)} events/s  (${fmt(rate * rulesPerKind)} rule evaluations/s; ${transitions} alert transitions)`,
);
console.log(`  target: >= 50,000 events/s through 500 rules`);
