import { createTopics, type ProtocolValidationError, parseJsonObject, validateDeviceMessage } from '@gridlink/protocol';
import { applyMapping, type IngestSettings } from './reading-mapping.js';

/** A reading turned into a device message the profile accepts: where it goes and what it says. */
export interface DeviceReading {
  topic: string;
  /** The JSON published. */
  body: string;
  /** The same, as an object (the node's msg.payload). */
  fields: Record<string, unknown>;
}

/**
 * A third party's reading (an HTTP body, a Modbus register array, JSON text) as `deviceId`'s state
 * or event: mapped to the profile's fields, then validated exactly as the gateway validates a
 * device's own message. Any failure names the field, the path it came from and what was there.
 */
export function deviceReading(
  settings: IngestSettings,
  deviceId: string,
  baseTopic: string,
  payload: unknown,
  now: Date,
): { ok: true; reading: DeviceReading } | { ok: false; error: ProtocolValidationError | Error } {
  const reading = readingOf(payload);
  if (!reading.ok) return reading;
  const mapped = applyMapping(settings, reading.value, now);
  if (!mapped.ok) return mapped;
  const topics = createTopics(baseTopic);
  const topic =
    settings.target.type === 'state'
      ? topics.deviceState(deviceId)
      : topics.deviceEvent(deviceId, settings.target.eventType);
  const body = JSON.stringify(mapped.fields);
  const checked = validateDeviceMessage({ topic, payload: body, kind: settings.kind, base: baseTopic });
  if (!checked.ok) return checked;
  return { ok: true, reading: { topic, body, fields: mapped.fields } };
}

/** msg.payload as a reading: an object or array as it is; JSON text or bytes parsed. */
function readingOf(payload: unknown): { ok: true; value: unknown } | { ok: false; error: Error } {
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    const text = payload.toString();
    if (text.trim().startsWith('[')) {
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: new Error(`msg.payload is not JSON: ${text.slice(0, 40)}`) };
      }
    }
    const parsed = parseJsonObject(text, 'msg.payload');
    return parsed.ok ? parsed : { ok: false, error: parsed.error };
  }
  if (typeof payload === 'object' && payload !== null) return { ok: true, value: payload };
  return {
    ok: false,
    error: new Error(
      `msg.payload must be a reading (an object, an array of registers or JSON text), not ${typeof payload}`,
    ),
  };
}
