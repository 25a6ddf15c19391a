import { z } from 'zod';
import { DeviceId, OpaqueId } from '../ids.js';
import { Timestamp } from '../time.js';

/**
 * Cloud → gateway messages. Each is durable at the cloud until the gateway acknowledges its `id`;
 * the gateway applies each `id` at most once, so redelivery is harmless.
 */
const base = { id: OpaqueId, created_at: Timestamp };

export const DownlinkMessage = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('incident.acknowledged'),
    data: z.strictObject({ alert_id: OpaqueId, incident_id: z.string().min(1), by: z.string().optional() }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('incident.closed'),
    data: z.strictObject({
      alert_id: OpaqueId,
      incident_id: z.string().min(1),
      outcome: z.enum(['resolved', 'invalid', 'merged']),
    }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('rules.update'),
    data: z.strictObject({
      version: z.int().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 lowercase hex digits'),
      rules_yaml: z.string().max(1_048_576),
    }),
  }),
  z.strictObject({
    ...base,
    type: z.literal('device.command'),
    data: z.strictObject({ device_id: DeviceId, command: z.record(z.string(), z.unknown()) }),
  }),
  z.strictObject({
    ...base,
    // A person asked for a fresh picture: each camera's snapshot comes back as an attachment
    // upload carrying `request_id`.
    type: z.literal('camera.snapshot'),
    data: z.strictObject({
      request_id: OpaqueId,
      incident_id: z.string().min(1).max(64),
      device_ids: z.array(DeviceId).min(1).max(16),
    }),
  }),
]);
export type DownlinkMessage = z.infer<typeof DownlinkMessage>;

/** The gateway's answer for each downlink id; `rejected` carries the reason and is final. */
export const DownlinkAck = z.strictObject({
  id: OpaqueId,
  result: z.enum(['applied', 'duplicate', 'rejected']),
  error: z.string().optional(),
});
export type DownlinkAck = z.infer<typeof DownlinkAck>;
