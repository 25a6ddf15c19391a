import { createTopics } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { DeviceRecord } from '../devices/directory.js';
import type { IngestOutcome } from '../ingest/normalise.js';
import type { Publisher } from '../publisher.js';
import type { Deliver } from './camera-session.js';

/**
 * Camera state and events on the path device publishes take: validated against the onvif_camera
 * profile, durable in the outbox, on the bus (rules, InfluxDB, uplink), then published on the
 * device's own topics (`gridlink/<id>` retained, `gridlink/<id>/event/<type>` not) for MQTT
 * subscribers, exactly as if the camera spoke MQTT.
 */
export function deviceIngest(
  ingest: (device: DeviceRecord, topic: string, payload: Uint8Array) => IngestOutcome,
  publisher: Publisher,
  baseTopic: string,
  logger: Logger,
): Deliver {
  const topics = createTopics(baseTopic);
  return async (device, kind, payload, eventType) => {
    const topic = kind === 'state' ? topics.deviceState(device.id) : topics.deviceEvent(device.id, eventType ?? '');
    const outcome = ingest(device, topic, Buffer.from(JSON.stringify(payload)));
    if (!outcome.valid) {
      // Already counted and dead-lettered by the normaliser; say where it came from.
      logger.error({ camera: device.id, topic, error: outcome.error }, 'camera message refused by the device profile');
      return false;
    }
    try {
      await outcome.held;
    } catch (error) {
      logger.error({ camera: device.id, topic, err: error }, 'camera message could not be stored');
      return false;
    }
    await publisher.publish(topic, payload, { retain: kind === 'state', qos: 1 });
    return true;
  };
}
