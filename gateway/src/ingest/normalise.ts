import { createTopics, type DeadLetter, toTimestamp, validateDeviceMessage } from '@gridlink/protocol';
import type { AedesPublishPacket } from 'aedes';
import type { GatewayBroker } from '../broker/broker.js';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { Publisher } from '../publisher.js';

const MAX_DEAD_LETTER_PAYLOAD = 4096;

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

  broker.ingest = (_client, principal, packet: AedesPublishPacket) => {
    const receivedAt = now();
    const result = validateDeviceMessage({
      topic: packet.topic,
      payload: packet.payload,
      kind: principal.device.kind,
      base: baseTopic,
    });
    if (result.ok) {
      valid++;
      const message: NormalisedMessage = { device: principal.device, message: result.value, receivedAt };
      const held = accept?.(message, packet.payload as Uint8Array);
      if (!held) {
        bus.emit('message', message);
        return undefined;
      }
      return held.then(() => {
        bus.emit('message', message);
      });
    }
    const error = result.error.message;
    invalid.add(principal.device.id, result.error.issues.map((issue) => issue.path).join(',') || 'payload');
    bus.emit('invalid', { device: principal.device, topic: packet.topic, error, receivedAt });
    const deadLetter: DeadLetter = {
      ts: toTimestamp(receivedAt),
      topic: packet.topic,
      error,
      payload: Buffer.from(packet.payload).toString('utf8').slice(0, MAX_DEAD_LETTER_PAYLOAD),
    };
    void publisher.publish(topics.bridgeDeadLetter(principal.device.id), deadLetter);
    return undefined;
  };

  return { invalid, validCount: () => valid };
}
