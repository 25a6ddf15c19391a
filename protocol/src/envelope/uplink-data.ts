import { z } from 'zod';
import { DeviceId, GatewayId, OpaqueId, RuleId } from '../ids.js';
import { AlertPayload } from '../mqtt/payloads.js';
import { Place } from '../place.js';
import { DeviceKind } from '../profiles/index.js';
import { Timestamp } from '../time.js';
import { DeviceHealth, DeviceHealthBatch, GatewayHealth, InventoryChanged, InventorySync } from './inventory.js';
import { ReadingsWindow } from './readings.js';

/** The `data` of each uplink CloudEvent type, keyed by the type. Types are versioned: a breaking
 * change is a new `.v2` type served side by side, never an edit of `.v1`. */
/**
 * Why the gateway cleared an alert: its condition stopped holding, it was acknowledged, its rule was
 * removed or disabled, its device was retired, or its device no longer matches the rule's selector
 * (untagged, moved to another place): the device is no longer watched by that rule.
 */
export const AlertClearReason = z.enum([
  'condition_false',
  'acknowledged',
  'rule_removed',
  'device_retired',
  'device_deselected',
]);
export type AlertClearReason = z.infer<typeof AlertClearReason>;

const device = { device_id: DeviceId, device_kind: DeviceKind, place: Place.optional() };

export const uplinkData = {
  'cn.gridlink.device.event.v1': z.strictObject({
    ...device,
    event_type: z.string().min(1),
    payload: z.looseObject({ ts: Timestamp }),
  }),
  'cn.gridlink.device.state.v1': z.strictObject({ ...device, state: z.record(z.string(), z.unknown()) }),
  'cn.gridlink.device.availability.v1': z.strictObject({
    ...device,
    state: z.enum(['online', 'offline']),
    reason: z.enum(['connected', 'lwt', 'disconnected', 'heartbeat_missed', 'retired']),
  }),
  'cn.gridlink.alert.raised.v1': AlertPayload,
  'cn.gridlink.alert.updated.v1': AlertPayload,
  'cn.gridlink.alert.cleared.v1': z.strictObject({
    alert_id: OpaqueId,
    rule_id: RuleId,
    device_id: DeviceId,
    cleared_at: Timestamp,
    reason: AlertClearReason,
  }),
  'cn.gridlink.telemetry.summary.v1': z.strictObject({
    ...device,
    window_start: Timestamp,
    window_end: Timestamp,
    fields: z.record(
      z.string(),
      z.strictObject({ count: z.int().min(1), min: z.number(), max: z.number(), mean: z.number(), last: z.number() }),
    ),
  }),
  'cn.gridlink.gateway.status.v1': z.strictObject({
    gateway_id: GatewayId,
    version: z.string(),
    uptime_s: z.number().min(0),
    clients: z.int().min(0),
    outbox_depth: z.int().min(0),
  }),
  'cn.gridlink.inventory.sync.v1': InventorySync,
  'cn.gridlink.inventory.changed.v1': InventoryChanged,
  'cn.gridlink.device.health.v1': DeviceHealth,
  'cn.gridlink.device.health_batch.v1': DeviceHealthBatch,
  'cn.gridlink.gateway.health.v1': GatewayHealth,
  'cn.gridlink.readings.window.v1': ReadingsWindow,
} as const;

export type UplinkType = keyof typeof uplinkData;
export const UPLINK_TYPES = Object.keys(uplinkData) as UplinkType[];
export type UplinkData<T extends UplinkType> = z.infer<(typeof uplinkData)[T]>;
