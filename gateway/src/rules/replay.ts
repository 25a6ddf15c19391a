import {
  type AlertPayload,
  DEFAULT_BASE_TOPIC,
  DeviceId,
  DeviceKind,
  DeviceTag,
  type FieldIssue,
  Place,
  parseWith,
  type Rule,
  type RuleFile,
  Timestamp,
  toTimestamp,
  validateDeviceMessage,
} from '@gridlink/protocol';
import { z } from 'zod';
import type { DeviceRecord } from '../devices/directory.js';
import { type Observation, toObservation } from './conditions.js';
import { type AlertTransition, type EngineSnapshot, RuleEngine } from './engine.js';

/**
 * One recorded device message, a line of a JSONL recording: when the gateway received it, which
 * device sent it (as the registry knows it: kind, place, tags), and the MQTT topic and payload.
 *
 * `{"at":"2026-11-25T14:52:18.646Z","device":{"id":"gas-b1-u1-0101","kind":"gas_detector"},
 *   "topic":"gridlink/gas-b1-u1-0101/event/alarm","payload":{"ts":"2026-11-25T14:52:18.646Z","gas_lel":25}}`
 */
export const RecordedMessage = z.strictObject({
  /** Gateway time of receipt: rule windows run on it, not on the device's `ts`. */
  at: Timestamp,
  device: z.strictObject({
    id: DeviceId,
    kind: DeviceKind,
    place: Place.optional(),
    tags: z.array(DeviceTag).optional(),
  }),
  /** `gridlink/<id>`, `gridlink/<id>/event/<type>` or `gridlink/<id>/availability`. */
  topic: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});
export type RecordedMessage = z.infer<typeof RecordedMessage>;

export interface ReplayOptions {
  /** Simulated time runs on to here after the last record (absences, durations); later records are not replayed. */
  until?: number;
  /** Time zone of rule schedules (default Asia/Shanghai). */
  timeZone?: string;
  /** MQTT base topic of the recorded topics (default `gridlink`). */
  baseTopic?: string;
  /** Longest step of simulated time between ticks, in seconds (default 60; see `replayEvents`). */
  stepS?: number;
  newAlertId?: () => string;
}

export interface ReplayTransition {
  /** Simulated time of the transition (ms). */
  at: number;
  /** The record whose message caused it; absent when the passing of time did. */
  line?: number;
  transition: AlertTransition;
}

/** A line that was not replayed, and why. */
export interface ReplayProblem {
  line: number;
  message: string;
}

export interface ReplayResult {
  transitions: ReplayTransition[];
  problems: ReplayProblem[];
  /** Records fed to the engine. */
  replayed: number;
  /** Valid records after `until`, not replayed. */
  afterUntil: number;
  /** Simulated time at the end (ms), undefined when nothing was replayed. */
  end: number | undefined;
  /** Alerts still active at the end. */
  active: AlertPayload[];
}

interface Fed {
  line: number;
  at: number;
  device: DeviceRecord;
  observation: Observation | undefined;
}

/**
 * Replays recorded device messages through the rules in simulated time and returns the alert
 * transitions with their simulated timestamps. Bad lines (not JSON, not a record, a payload the
 * device's profile refuses, out of time order) are reported by line number and not fed.
 *
 * Ticking: the engine is ticked at every record's time and, across the gaps between records (and
 * up to `until`), at
 * - every deadline the rule state implies (a threshold's `for_s` elapsing, an event's quiet time,
 *   a window's oldest entry ageing out, an absence period ending, a `repeat_every_s`, a
 *   suppression window ending), read from the engine's snapshot after each step, so alerts carry
 *   the exact simulated time at which a live gateway ticking every second would raise them; and
 * - every whole minute (`stepS`), where schedules (HH:MM in local time) start and end, and as a
 *   safety net. A 12 h gap costs 720 ticks, a 48 h absence 2880.
 */
export function replayEvents(ruleFile: RuleFile, lines: readonly string[], options: ReplayOptions = {}): ReplayResult {
  const base = options.baseTopic ?? DEFAULT_BASE_TOPIC;
  const problems: ReplayProblem[] = [];
  const fed: Fed[] = [];
  const kinds = new Map<string, { kind: string; line: number }>();
  const devices = new Map<string, DeviceRecord>();
  let afterUntil = 0;

  lines.forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (text === '') return;
    const problem = (message: string) => problems.push({ line, message });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      problem(`invalid JSON (${(error as Error).message})`);
      return;
    }
    const parsed = parseWith(RecordedMessage, json, 'record');
    if (!parsed.ok) {
      problem(parsed.error.issues.map(formatIssue).join('; '));
      return;
    }
    const record = parsed.value;
    const at = Date.parse(record.at);
    const previous = fed.at(-1);
    if (previous && at < previous.at) {
      problem(
        `at ${record.at} is earlier than line ${previous.line} (${toTimestamp(previous.at)}): records must be in time order`,
      );
      return;
    }
    const known = kinds.get(record.device.id);
    if (known && known.kind !== record.device.kind) {
      problem(`device ${record.device.id} is ${record.device.kind} here but ${known.kind} on line ${known.line}`);
      return;
    }
    const message = validateDeviceMessage({
      topic: record.topic,
      payload: JSON.stringify(record.payload),
      kind: record.device.kind,
      base,
    });
    if (!message.ok) {
      problem(message.error.message);
      return;
    }
    if (message.value.deviceId !== record.device.id) {
      problem(
        `${record.topic}: the topic names device ${message.value.deviceId}, the record's device is ${record.device.id}`,
      );
      return;
    }
    if (options.until !== undefined && at > options.until) {
      afterUntil++;
      return;
    }
    const device: DeviceRecord = {
      id: record.device.id,
      kind: record.device.kind,
      status: 'active',
      passwordHash: '',
      ...(record.device.place ? { place: record.device.place } : {}),
      ...(record.device.tags ? { tags: record.device.tags } : {}),
    };
    kinds.set(device.id, { kind: device.kind, line });
    if (!devices.has(device.id)) devices.set(device.id, device);
    fed.push({ line, at, device, observation: toObservation(device, message.value, at) });
  });

  let alerts = 0;
  const engine = new RuleEngine({
    rules: ruleFile.rules,
    suppressions: ruleFile.suppressions,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    newAlertId: options.newAlertId ?? (() => `replay-${++alerts}`),
  });
  const rules = new Map(ruleFile.rules.map((rule) => [rule.id, rule]));
  const suppressionEnds = ruleFile.suppressions.map((s) => Date.parse(s.to));
  const step = (options.stepS ?? 60) * 1000;
  const transitions: ReplayTransition[] = [];
  const record = (at: number, out: AlertTransition[], line?: number) => {
    for (const transition of out) transitions.push({ at, ...(line !== undefined ? { line } : {}), transition });
  };

  const first = fed[0];
  const start = first?.at ?? options.until;
  if (start === undefined) return { transitions, problems, replayed: 0, afterUntil, end: undefined, active: [] };
  let now = start;
  engine.watch(devices.values(), start);

  /** Ticks at every deadline and step mark after `now`, up to `target` (inclusive or not). */
  const tickUntil = (target: number, inclusive: boolean) => {
    for (;;) {
      const next = Math.min(
        (Math.floor(now / step) + 1) * step,
        nextDeadline(engine.snapshot(), rules, now),
        ...suppressionEnds.filter((end) => end > now),
      );
      if (next > target || (!inclusive && next === target)) return;
      now = next;
      record(now, engine.tick(now));
    }
  };

  for (const item of fed) {
    tickUntil(item.at, false);
    now = item.at;
    if (item.observation) record(now, engine.observe(item.observation), item.line);
    record(now, engine.tick(now));
  }
  const end = Math.max(now, options.until ?? now);
  tickUntil(end, true);
  return { transitions, problems, replayed: fed.length, afterUntil, end, active: engine.active() };
}

/** The earliest time after `now` at which some rule's state changes by itself. */
function nextDeadline(snapshot: EngineSnapshot, rules: ReadonlyMap<string, Rule>, now: number): number {
  let best = Number.POSITIVE_INFINITY;
  const consider = (at: number) => {
    if (at > now && at < best) best = at;
  };
  for (const instance of snapshot.instances) {
    const rule = rules.get(instance.ruleId);
    if (!rule) continue;
    const c = rule.condition;
    const s = instance.condition;
    if (c.type === 'threshold' && s.type === 'threshold') {
      if (!s.on && s.pendingSince !== null) consider(s.pendingSince + c.for_s * 1000);
    } else if (c.type === 'event' && s.type === 'event') {
      if (s.on && !c.clear_event && s.lastMatchAt !== null) consider(s.lastMatchAt + c.clear_after_s * 1000);
    } else if (c.type === 'count' && s.type === 'count') {
      for (const at of s.times) consider(at + c.window_s * 1000);
    } else if (c.type === 'absence' && s.type === 'absence') {
      consider(s.lastMatchAt + c.within_s * 1000);
    } else if (c.type === 'correlation' && s.type === 'correlation') {
      for (const hit of s.hits) consider(hit.at + c.within_s * 1000);
    }
    if (instance.alert && rule.repeat_every_s !== undefined)
      consider(instance.alert.announcedAt + rule.repeat_every_s * 1000);
  }
  return best;
}

function formatIssue(issue: FieldIssue): string {
  if (issue.message !== undefined) return `${issue.path}: ${issue.message}`;
  if (issue.expected === 'no such field') return `${issue.path}: unexpected field`;
  return `${issue.path}: expected ${issue.expected}, received ${issue.received}`;
}
