import { Availability } from './mqtt/payloads.js';
import type { DeviceProfile } from './profiles/define.js';
import { type DeviceKind, profileOf } from './profiles/index.js';
import { DEFAULT_BASE_TOPIC, parseTopic } from './topics.js';
import type { Parsed } from './validation/error.js';
import { invalid, parseJsonObject, parseWith } from './validation/parse.js';

/** A device message that passed validation against its profile. */
export type DeviceMessage =
  | { type: 'state'; deviceId: string; state: Record<string, unknown> }
  | { type: 'event'; deviceId: string; eventType: string; payload: Record<string, unknown> & { ts: string } }
  | { type: 'availability'; deviceId: string; state: 'online' | 'offline' }
  | { type: 'command'; deviceId: string; command: string; payload: Record<string, unknown> };

export interface DeviceMessageInput {
  topic: string;
  payload: Uint8Array | string;
  kind: DeviceKind;
  base?: string;
}

/**
 * Validates one message published on a device's topics against the device's profile. Errors name
 * the topic, the field path, what was expected and what arrived; nothing here throws on bad input.
 */
export function validateDeviceMessage({
  topic,
  payload,
  kind,
  base = DEFAULT_BASE_TOPIC,
}: DeviceMessageInput): Parsed<DeviceMessage> {
  const parsedTopic = parseTopic(topic, base);
  if (!parsedTopic.ok) return parsedTopic;
  const where = topic;
  const t = parsedTopic.value;
  if (
    t.kind !== 'device_state' &&
    t.kind !== 'device_event' &&
    t.kind !== 'device_availability' &&
    t.kind !== 'device_set'
  ) {
    return invalid(where, 'a device topic', `a ${t.kind.replace('_', ' ')} topic`, 'topic');
  }
  const profile = profileOf(kind);
  const body = parseJsonObject(payload, where);
  if (!body.ok) return body;

  switch (t.kind) {
    case 'device_state': {
      if (Object.keys(body.value).length === 0) {
        return invalid(where, `at least one of ${fieldList(Object.keys(profile.state))}`, 'an empty object');
      }
      const state = parseWith(profile.schemas.state, body.value, where);
      return state.ok ? { ok: true, value: { type: 'state', deviceId: t.deviceId, state: state.value } } : state;
    }
    case 'device_availability': {
      const availability = parseWith(Availability, body.value, where);
      return availability.ok
        ? { ok: true, value: { type: 'availability', deviceId: t.deviceId, state: availability.value.state } }
        : availability;
    }
    case 'device_event': {
      const schema = profile.schemas.events[t.eventType];
      if (!schema) return unknownName(where, 'event type', t.eventType, profile, Object.keys(profile.events));
      const event = parseWith(schema, body.value, where);
      return event.ok
        ? {
            ok: true,
            value: {
              type: 'event',
              deviceId: t.deviceId,
              eventType: t.eventType,
              payload: event.value as DeviceMessageEvent,
            },
          }
        : event;
    }
    case 'device_set': {
      const names = Object.keys(profile.commands);
      const command = names.find((name) => name in body.value);
      if (command === undefined) {
        return names.length === 0
          ? invalid(where, `no commands (${profile.kind} accepts none)`, 'a command')
          : invalid(
              where,
              `a command field: one of ${fieldList(names)}`,
              `fields ${fieldList(Object.keys(body.value))}`,
            );
      }
      const parsed = parseWith(
        profile.schemas.commands[command] as NonNullable<(typeof profile.schemas.commands)[string]>,
        body.value,
        where,
      );
      return parsed.ok
        ? { ok: true, value: { type: 'command', deviceId: t.deviceId, command, payload: parsed.value } }
        : parsed;
    }
  }
}

type DeviceMessageEvent = Record<string, unknown> & { ts: string };

const fieldList = (names: string[]) => (names.length === 0 ? '(none)' : names.join(', '));

function unknownName(where: string, what: string, name: string, profile: DeviceProfile, known: string[]) {
  return invalid(
    where,
    `an ${what} of ${profile.kind}: ${fieldList(known)}`,
    JSON.stringify(name),
    what.replace(' ', '_'),
  );
}
