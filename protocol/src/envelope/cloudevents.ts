import { z } from 'zod';
import { DeviceId, GatewayId, OpaqueId } from '../ids.js';
import { Timestamp } from '../time.js';
import type { Parsed } from '../validation/error.js';
import { ProtocolValidationError } from '../validation/error.js';
import type { FieldIssue } from '../validation/issues.js';
import { parseWith } from '../validation/parse.js';
import { UPLINK_TYPES, type UplinkData, type UplinkType, uplinkData } from './uplink-data.js';

export const CLOUDEVENTS_BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

/** Delivery class: alarms overtake state changes, which overtake telemetry summaries. */
export const Priority = z.enum(['alarm', 'state', 'telemetry']);
export type Priority = z.infer<typeof Priority>;

const SOURCE_PATTERN = /^\/gateways\/[a-z0-9][a-z0-9-]{0,62}(\/devices\/[a-z0-9][a-z0-9-]{0,62})?$/;

/**
 * A CloudEvents 1.0 envelope (JSON format) as sent gateway → cloud. `id` is assigned once when the
 * gateway first receives the event and never changes; (`source`, `id`) is the idempotency key.
 * Extension attributes are lowercase alphanumerics only, as CloudEvents requires.
 */
export const CloudEvent = z.strictObject({
  specversion: z.literal('1.0'),
  id: OpaqueId,
  source: z
    .string()
    .regex(SOURCE_PATTERN, 'source is /gateways/<gateway_id> or /gateways/<gateway_id>/devices/<device_id>'),
  type: z.enum(UPLINK_TYPES as [UplinkType, ...UplinkType[]]),
  time: Timestamp,
  datacontenttype: z.literal('application/json'),
  subject: z.string().max(256).optional(),
  data: z.unknown(),
  gatewayid: GatewayId,
  deviceid: DeviceId.optional(),
  /** Per-device sequence number assigned at the gateway: order is checked per device. */
  deviceseq: z.int().min(0).optional(),
  priority: Priority,
  /** True when delivered from the backlog after an outage rather than live. */
  replayed: z.boolean().optional(),
  /**
   * True for an exercise (演练): a commissioning drill's test alarm and what it raises. The cloud
   * keeps the incident apart, marked, out of the KPIs, and tells no one outside the app.
   */
  drill: z.boolean().optional(),
});
export type CloudEvent<T extends UplinkType = UplinkType> = Omit<z.infer<typeof CloudEvent>, 'type' | 'data'> & {
  type: T;
  data: UplinkData<T>;
};

export const CloudEventBatch = z.array(z.unknown()).min(1).max(5000);

/** Validates the envelope and then the `data` of its type; field paths are rooted at the event. */
export function parseCloudEvent(value: unknown, context = 'cloudevent'): Parsed<CloudEvent> {
  const envelope = parseWith(CloudEvent, value, context);
  if (!envelope.ok) return envelope;
  const data = parseWith(uplinkData[envelope.value.type], envelope.value.data, context);
  if (!data.ok) {
    const issues: FieldIssue[] = data.error.issues.map((issue) => ({
      ...issue,
      path: issue.path === '(payload)' ? 'data' : `data.${issue.path}`,
    }));
    return { ok: false, error: new ProtocolValidationError(context, issues) };
  }
  return { ok: true, value: { ...envelope.value, data: data.value } as CloudEvent };
}

export interface NewCloudEvent<T extends UplinkType> {
  id: string;
  type: T;
  gatewayId: string;
  deviceId?: string;
  time: string;
  data: UplinkData<T>;
  priority: Priority;
  deviceSeq?: number;
  drill?: boolean;
}

/** Builds an envelope; `source` is derived so it can never disagree with the ids. */
export function createCloudEvent<T extends UplinkType>(event: NewCloudEvent<T>): CloudEvent<T> {
  const source =
    event.deviceId === undefined
      ? `/gateways/${event.gatewayId}`
      : `/gateways/${event.gatewayId}/devices/${event.deviceId}`;
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.type,
    time: event.time,
    datacontenttype: 'application/json',
    data: event.data,
    gatewayid: event.gatewayId,
    ...(event.deviceId === undefined ? {} : { deviceid: event.deviceId }),
    ...(event.deviceSeq === undefined ? {} : { deviceseq: event.deviceSeq }),
    priority: event.priority,
    ...(event.drill ? { drill: true } : {}),
  };
}
