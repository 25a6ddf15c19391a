import { createTopics } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { DeviceRecord } from '../devices/directory.js';
import type { IngestOutcome } from '../ingest/normalise.js';
import type { Publisher } from '../publisher.js';
import type { DeviceSink } from './device-adapter.js';

/**
 * The sink adapters deliver to: the normaliser's ingest (profile, outbox, bus), then the device's
 * own topics (`<base>/<id>` retained, `<base>/<id>/event/<type>` not) for MQTT subscribers, exactly
 * as if the device spoke MQTT.
 */
export function deviceSink(
  ingest: (device: DeviceRecord, topic: string, payload: Uint8Array) => IngestOutcome,
  publisher: Publisher,
  baseTopic: string,
  logger: Logger,
): DeviceSink {
  const topics = createTopics(baseTopic);
  const deliver = async (device: DeviceRecord, topic: string, payload: Record<string, unknown>, retain: boolean) => {
    const outcome = ingest(device, topic, Buffer.from(JSON.stringify(payload)));
    if (!outcome.valid) {
      // Already counted and dead-lettered by the normaliser; say where it came from.
      logger.error({ device: device.id, topic, error: outcome.error }, 'adapter message refused by the device profile');
      return false;
    }
    try {
      await outcome.held;
    } catch (error) {
      logger.error({ device: device.id, topic, err: error }, 'adapter message could not be stored');
      return false;
    }
    await publisher.publish(topic, payload, { retain, qos: 1 });
    return true;
  };
  return {
    state: (device, state) => deliver(device, topics.deviceState(device.id), state, true),
    event: (device, type, payload) => deliver(device, topics.deviceEvent(device.id, type), payload, false),
  };
}
