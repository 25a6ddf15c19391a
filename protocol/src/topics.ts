import { DeviceId, RuleId, SnakeName } from './ids.js';
import type { Parsed } from './validation/error.js';
import { invalid } from './validation/parse.js';

/**
 * The MQTT topic map (conventions: "MQTT topics"). Every component builds and parses topics here,
 * so a topic is spelled in exactly one place.
 */
export const DEFAULT_BASE_TOPIC = 'gridlink';

export type ParsedTopic =
  | { kind: 'device_state'; deviceId: string }
  | { kind: 'device_availability'; deviceId: string }
  | { kind: 'device_event'; deviceId: string; eventType: string }
  | { kind: 'device_set'; deviceId: string }
  | { kind: 'alert'; ruleId: string; deviceId: string }
  | { kind: 'bridge_state' }
  | { kind: 'bridge_info' }
  | { kind: 'bridge_health' }
  | { kind: 'bridge_event' }
  | { kind: 'bridge_request'; command: string }
  | { kind: 'bridge_response'; command: string }
  | { kind: 'bridge_dead_letter'; deviceId: string };

/** Bridge commands may have levels (`device/add`), each a snake_case name. */
const COMMAND_PATTERN = /^[a-z][a-z0-9_]*(\/[a-z][a-z0-9_]*){0,3}$/;
const BASE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}(\/[a-z0-9][a-z0-9_-]{0,31}){0,3}$/;

export function assertBaseTopic(base: string): string {
  if (!BASE_PATTERN.test(base)) {
    throw new Error(
      `base topic ${JSON.stringify(base)} is invalid: use 1-4 levels of a-z, 0-9, "_" and "-", no wildcards or "$"`,
    );
  }
  return base;
}

function checkId(id: string, what: string): string {
  const result = DeviceId.safeParse(id);
  if (!result.success) throw new Error(`${what} ${JSON.stringify(id)} is invalid: ${result.error.issues[0]?.message}`);
  return id;
}

/** Builders. They throw on bad ids: building a topic from a bad id is a programming error. */
export function createTopics(base: string = DEFAULT_BASE_TOPIC) {
  assertBaseTopic(base);
  const bridge = `${base}/bridge`;
  return {
    base,
    deviceState: (deviceId: string) => `${base}/${checkId(deviceId, 'device id')}`,
    deviceAvailability: (deviceId: string) => `${base}/${checkId(deviceId, 'device id')}/availability`,
    deviceEvent: (deviceId: string, eventType: string) => {
      if (!SnakeName.safeParse(eventType).success)
        throw new Error(`event type ${JSON.stringify(eventType)} is not snake_case`);
      return `${base}/${checkId(deviceId, 'device id')}/event/${eventType}`;
    },
    deviceSet: (deviceId: string) => `${base}/${checkId(deviceId, 'device id')}/set`,
    alert: (ruleId: string, deviceId: string) => {
      if (!RuleId.safeParse(ruleId).success) throw new Error(`rule id ${JSON.stringify(ruleId)} is invalid`);
      return `${base}/alert/${ruleId}/${checkId(deviceId, 'device id')}`;
    },
    bridgeState: `${bridge}/state`,
    bridgeInfo: `${bridge}/info`,
    bridgeHealth: `${bridge}/health`,
    bridgeEvent: `${bridge}/event`,
    bridgeRequest: (command: string) => `${bridge}/request/${checkCommand(command)}`,
    bridgeResponse: (command: string) => `${bridge}/response/${checkCommand(command)}`,
    bridgeDeadLetter: (deviceId: string) => `${bridge}/dead_letter/${checkId(deviceId, 'device id')}`,
    /** Subscription filters (the only place wildcards appear). */
    filters: {
      allDevices: `${base}/+`,
      allDeviceSubtopics: `${base}/+/#`,
      deviceOwn: (deviceId: string) => `${base}/${checkId(deviceId, 'device id')}/#`,
      bridgeRequests: `${bridge}/request/#`,
      alerts: `${base}/alert/#`,
    },
  } as const;
}
export type Topics = ReturnType<typeof createTopics>;

function checkCommand(command: string): string {
  if (!COMMAND_PATTERN.test(command)) throw new Error(`bridge command ${JSON.stringify(command)} is invalid`);
  return command;
}

const fail = (topic: string, expected: string, received: string) =>
  invalid(`topic ${JSON.stringify(topic)}`, expected, received, 'topic');

/**
 * Parses a concrete topic (one a message was published on). Wildcards, `$` topics, empty levels,
 * bad ids and unknown shapes are refused with the reason.
 */
export function parseTopic(topic: string, base: string = DEFAULT_BASE_TOPIC): Parsed<ParsedTopic> {
  if (topic.includes('+') || topic.includes('#')) return fail(topic, 'a topic without wildcards', 'a wildcard');
  if (topic.startsWith('$')) return fail(topic, `a topic under ${base}/`, 'a "$" system topic');
  if (!topic.startsWith(`${base}/`)) return fail(topic, `a topic under ${base}/`, 'another base topic');
  const levels = topic.slice(base.length + 1).split('/');
  if (levels.some((level) => level === '')) return fail(topic, 'no empty topic levels', 'an empty level');
  const [first, ...rest] = levels as [string, ...string[]];

  if (first === 'bridge') return parseBridge(topic, rest);
  if (first === 'alert') {
    const [ruleId, deviceId, ...extra] = rest;
    if (ruleId === undefined || deviceId === undefined || extra.length > 0) {
      return fail(topic, `${base}/alert/<rule_id>/<device_id>`, `${levels.length} levels`);
    }
    if (!RuleId.safeParse(ruleId).success) return fail(topic, 'a valid rule id', JSON.stringify(ruleId));
    if (!DeviceId.safeParse(deviceId).success) return fail(topic, 'a valid device id', JSON.stringify(deviceId));
    return { ok: true, value: { kind: 'alert', ruleId, deviceId } };
  }
  const deviceId = first;
  const id = DeviceId.safeParse(deviceId);
  if (!id.success) return fail(topic, 'a valid device id (a-z, 0-9, "-"; at most 63)', JSON.stringify(deviceId));
  if (rest.length === 0) return { ok: true, value: { kind: 'device_state', deviceId } };
  if (rest.length === 1 && rest[0] === 'availability')
    return { ok: true, value: { kind: 'device_availability', deviceId } };
  if (rest.length === 1 && rest[0] === 'set') return { ok: true, value: { kind: 'device_set', deviceId } };
  if (rest.length === 2 && rest[0] === 'event') {
    const eventType = rest[1] as string;
    if (!SnakeName.safeParse(eventType).success)
      return fail(topic, 'a snake_case event type', JSON.stringify(eventType));
    return { ok: true, value: { kind: 'device_event', deviceId, eventType } };
  }
  return fail(topic, `${base}/<device_id>[/availability|/set|/event/<type>]`, `/${rest.join('/')}`);
}

function parseBridge(topic: string, rest: string[]): Parsed<ParsedTopic> {
  const [what, ...tail] = rest;
  if (tail.length === 0) {
    if (what === 'state' || what === 'info' || what === 'health' || what === 'event') {
      return { ok: true, value: { kind: `bridge_${what}` } };
    }
  } else if (what === 'request' || what === 'response') {
    const command = tail.join('/');
    if (!COMMAND_PATTERN.test(command)) return fail(topic, 'a snake_case bridge command', JSON.stringify(command));
    return { ok: true, value: { kind: `bridge_${what}`, command } };
  } else if (what === 'dead_letter' && tail.length === 1) {
    const deviceId = tail[0] as string;
    if (!DeviceId.safeParse(deviceId).success) return fail(topic, 'a valid device id', JSON.stringify(deviceId));
    return { ok: true, value: { kind: 'bridge_dead_letter', deviceId } };
  }
  return fail(
    topic,
    'bridge/state|info|health|event|request/<cmd>|response/<cmd>|dead_letter/<id>',
    `bridge/${rest.join('/')}`,
  );
}
