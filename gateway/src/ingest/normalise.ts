import { createTopics, type DeadLetter, toTimestamp, validateDeviceMessage } from '@gridlink/protocol';
import type { AedesPublishPacket } from 'aedes';
import type { GatewayBroker } from '../broker/broker.js';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { Publisher } from '../publisher.js';

const MAX_DEAD_LETTER_PAYLOAD = 4096;

/** The outcome of a valid message nothing holds: one object for all of them. */
const VALID: IngestOutcome = Object.freeze({ valid: true });

/** Per device and reason, how many messages failed validation (reasons are field paths). */
export class InvalidCounter {
  readonly byDevice = new Map<string, Map<string, number>>();
  total = 0;

  add(deviceId: string, reason: string): void {
    const reasons = this.byDevice.get(deviceId) ?? new Map<string, number>();
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    this.byDevice.set(deviceId, reasons);
    this.total++;
  }
}

/** What became of one message: invalid (dead-lettered), or valid and on the bus once `held` settles. */
export interface IngestOutcome {
  valid: boolean;
  error?: string;
  held?: Promise<void>;
}

/** Where valid messages may be held before the device's PUBACK (the uplink's outbox). */
export type AcceptMessage = (message: NormalisedMessage, payload: Uint8Array) => Promise<void> | undefined;

/**
 * Validates every device publish against the device's profile, before the broker acknowledges it.
 * Valid messages go on the bus — after `accept` has made them durable, when it holds them; invalid
 * ones are counted and published to `<base>/bridge/dead_letter/<id>` with the exact error. Nothing
 * here throws: a bad payload must never crash or block the broker.
 */
export function attachNormaliser(
  broker: GatewayBroker,
  bus: GatewayBus,
  publisher: Publisher,
  baseTopic: string,
  now = Date.now,
  accept?: AcceptMessage,
) {
  const topics = createTopics(baseTopic);
  const invalid = new InvalidCounter();
  let valid = 0;

  /**
   * One device message on the normal path: validated against the device's profile, made durable
   * by `accept`, then on the bus. Gateway adapters (ONVIF) speak for their devices through it too.
   */
  const ingest = (device: DeviceRecord, topic: string, payload: Uint8Array): IngestOutcome => {
    const receivedAt = now();
    const result = validateDeviceMessage({ topic, payload, kind: device.kind, base: baseTopic });
    if (result.ok) {
      valid++;
      const message: NormalisedMessage = { device, message: result.value, receivedAt };
      const held = accept?.(message, payload);
      if (!held) {
        bus.emit('message', message);
        return VALID;
      }
      return {
        valid: true,
        held: held.then(() => {
          bus.emit('message', message);
        }),
      };
    }
    const error = result.error.message;
    invalid.add(device.id, result.error.issues.map((issue) => issue.path).join(',') || 'payload');
    bus.emit('invalid', { device, topic, error, receivedAt });
    const deadLetter: DeadLetter = {
      ts: toTimestamp(receivedAt),
      topic,
      error,
      // Cut the bytes before decoding: a flood of large invalid payloads must not decode (and
      // throw away) a string of every one of them.
      payload: Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, MAX_DEAD_LETTER_PAYLOAD))
        .toString('utf8')
        .slice(0, MAX_DEAD_LETTER_PAYLOAD),
    };
    void publisher.publish(topics.bridgeDeadLetter(device.id), deadLetter);
    return { valid: false, error };
  };

  // An invalid message is acknowledged but routed nowhere: the dead-letter topic is where it shows.
  broker.ingest = (_client, device, packet: AedesPublishPacket) =>
    ingest(device, packet.topic, packet.payload as Uint8Array);

  return { invalid, validCount: () => valid, ingest };
}
