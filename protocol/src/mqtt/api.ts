import type { z } from 'zod';
import { type DeviceMessage, validateDeviceMessage } from '../device-message.js';
import type { DeviceKind } from '../profiles/index.js';
import { DEFAULT_BASE_TOPIC, type ParsedTopic, parseTopic } from '../topics.js';
import type { Parsed } from '../validation/error.js';
import { invalid, parseJsonObject, parseWith } from '../validation/parse.js';
import {
  AlertPayload,
  Availability,
  BridgeEvent,
  BridgeHealth,
  BridgeInfo,
  BridgeRequest,
  BridgeResponse,
  DeadLetter,
} from './payloads.js';

type TopicKind = ParsedTopic['kind'];

/** Whether messages on a topic kind are retained. */
export type RetainPolicy = 'always' | 'never';

/**
 * The typed MQTT API (Zigbee2MQTT style): for every topic kind, who publishes it, whether it is
 * retained, and the schema of its payload (`profile` = the device's own profile decides).
 */
export const MQTT_API: Record<TopicKind, { publisher: string; retain: RetainPolicy; payload: z.ZodType | 'profile' }> =
  {
    device_state: {
      publisher: 'device (or the integrator granted to bring it in)',
      retain: 'always',
      payload: 'profile',
    },
    device_availability: {
      publisher: 'device (LWT), gateway or its ingest integrator',
      retain: 'always',
      payload: Availability,
    },
    device_event: {
      publisher: 'device, gateway adapter or its ingest integrator',
      retain: 'never',
      payload: 'profile',
    },
    device_set: { publisher: 'gateway, rules, installers, granted integrators', retain: 'never', payload: 'profile' },
    alert: { publisher: 'gateway rules', retain: 'always', payload: AlertPayload },
    bridge_state: { publisher: 'gateway (also its LWT)', retain: 'always', payload: Availability },
    bridge_info: { publisher: 'gateway', retain: 'always', payload: BridgeInfo },
    bridge_health: { publisher: 'gateway', retain: 'always', payload: BridgeHealth },
    bridge_event: { publisher: 'gateway', retain: 'never', payload: BridgeEvent },
    bridge_request: { publisher: 'services', retain: 'never', payload: BridgeRequest },
    bridge_response: { publisher: 'gateway', retain: 'never', payload: BridgeResponse },
    bridge_dead_letter: { publisher: 'gateway', retain: 'never', payload: DeadLetter },
  };

type Payload<S> = S extends z.ZodType ? z.output<S> : never;

/** Any message on the Gridlink topic tree, parsed and validated. */
export type MqttMessage =
  | { topic: 'device'; message: DeviceMessage }
  | { topic: 'alert'; ruleId: string; deviceId: string; payload: AlertPayload | null }
  | { topic: 'bridge_state'; payload: Availability }
  | { topic: 'bridge_info'; payload: BridgeInfo }
  | { topic: 'bridge_health'; payload: BridgeHealth }
  | { topic: 'bridge_event'; payload: BridgeEvent }
  | { topic: 'bridge_request'; command: string; payload: Payload<typeof BridgeRequest> }
  | { topic: 'bridge_response'; command: string; payload: BridgeResponse }
  | { topic: 'bridge_dead_letter'; deviceId: string; payload: DeadLetter };

export interface MqttMessageInput {
  topic: string;
  payload: Uint8Array | string;
  /** The device kind of a device id (from the registry), needed for device topics. */
  kindOf: (deviceId: string) => DeviceKind | undefined;
  base?: string;
}

/** The one entry point for reading anything on the topic tree; never throws on bad input. */
export function parseMqttMessage({
  topic,
  payload,
  kindOf,
  base = DEFAULT_BASE_TOPIC,
}: MqttMessageInput): Parsed<MqttMessage> {
  const parsed = parseTopic(topic, base);
  if (!parsed.ok) return parsed;
  const t = parsed.value;
  switch (t.kind) {
    case 'device_state':
    case 'device_availability':
    case 'device_event':
    case 'device_set': {
      const kind = kindOf(t.deviceId);
      if (kind === undefined)
        return invalid(topic, 'a provisioned device', `unknown device ${JSON.stringify(t.deviceId)}`, 'topic');
      const message = validateDeviceMessage({ topic, payload, kind, base });
      return message.ok ? { ok: true, value: { topic: 'device', message: message.value } } : message;
    }
    case 'alert': {
      // An empty retained payload is how an alert is cleared.
      if (payload.length === 0)
        return { ok: true, value: { topic: 'alert', ruleId: t.ruleId, deviceId: t.deviceId, payload: null } };
      const body = parseBody(topic, payload, AlertPayload);
      return body.ok
        ? { ok: true, value: { topic: 'alert', ruleId: t.ruleId, deviceId: t.deviceId, payload: body.value } }
        : body;
    }
    case 'bridge_request':
    case 'bridge_response': {
      const body = parseBody(topic, payload, t.kind === 'bridge_request' ? BridgeRequest : BridgeResponse);
      return body.ok
        ? { ok: true, value: { topic: t.kind, command: t.command, payload: body.value } as MqttMessage }
        : body;
    }
    case 'bridge_dead_letter': {
      const body = parseBody(topic, payload, DeadLetter);
      return body.ok ? { ok: true, value: { topic: t.kind, deviceId: t.deviceId, payload: body.value } } : body;
    }
    default: {
      const body = parseBody(topic, payload, MQTT_API[t.kind].payload as z.ZodType);
      return body.ok ? { ok: true, value: { topic: t.kind, payload: body.value } as MqttMessage } : body;
    }
  }
}

function parseBody<S extends z.ZodType>(topic: string, payload: Uint8Array | string, schema: S): Parsed<z.output<S>> {
  const body = parseJsonObject(payload, topic);
  return body.ok ? parseWith(schema, body.value, topic) : body;
}
