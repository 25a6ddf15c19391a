import { z } from 'zod';
import { DeviceTag } from '../device-tag.js';
import { CommunityCode, DeviceId, GatewayId, OpaqueId } from '../ids.js';
import { Place } from '../place.js';
import { DeviceKind } from '../profiles/index.js';
import { Timestamp } from '../time.js';

/**
 * Inventory and health: what a gateway tells the cloud about the devices it serves and about
 * itself. Every message carries `observed_at` (the gateway's clock) and `seq` (the gateway's own
 * counter of these messages, rising within one run): the cloud keeps a device's newest observation
 * by (`observed_at`, `seq`), so duplicated or reordered messages never move it backwards.
 */
const Observation = {
  observed_at: Timestamp,
  seq: z.int().min(0),
};

/** Most devices in one part of a full sync: a large community's sync is split into parts. */
export const INVENTORY_SYNC_PART_MAX = 500;

/** One device as the gateway's registry holds it (`retired`: no longer allowed to connect). */
export const InventoryDevice = z.strictObject({
  device_id: DeviceId,
  device_kind: DeviceKind,
  place: Place.optional(),
  tags: z.array(DeviceTag).max(32),
  status: z.enum(['active', 'retired']),
});
export type InventoryDevice = z.infer<typeof InventoryDevice>;

/**
 * One part of a full sync: every device of the registry, split into `parts`. The cloud reconciles
 * once it holds every part of a sync: what the sync does not list becomes `missing`, never deleted.
 */
export const InventorySync = z
  .strictObject({
    gateway_id: GatewayId,
    community: CommunityCode,
    sync_id: OpaqueId,
    part: z.int().min(1),
    parts: z.int().min(1).max(10_000),
    devices: z.array(InventoryDevice).max(INVENTORY_SYNC_PART_MAX),
    ...Observation,
  })
  .refine((sync) => sync.part <= sync.parts, { message: 'part must be at most parts', path: ['part'] });
export type InventorySync = z.infer<typeof InventorySync>;

/** One device added, changed or retired in the registry since the last message about it. */
export const InventoryChanged = z.strictObject({ ...InventoryDevice.shape, ...Observation });
export type InventoryChanged = z.infer<typeof InventoryChanged>;

/** A device's health over the last period, from what the gateway knows of it. */
export const DeviceHealth = z.strictObject({
  device_id: DeviceId,
  device_kind: DeviceKind,
  availability: z.enum(['online', 'offline', 'unknown']),
  /** The last valid message from the device (null: not heard from since the gateway started). */
  last_seen: Timestamp.nullable(),
  /** Battery percent from the device's last state report, when it reports one. */
  battery: z.number().min(0).max(100).optional(),
  /** Received signal strength (dBm) from the last state report, when it reports one. */
  signal_dbm: z.number().min(-150).max(0).optional(),
  /** Fault codes the device reported in the period (its `fault` events). */
  faults: z.array(z.string().min(1).max(32)).max(16),
  /** Tamper: the device's tamper flag, or a tamper event in the period. */
  tamper: z.boolean(),
  ...Observation,
});
export type DeviceHealth = z.infer<typeof DeviceHealth>;

/** Most devices in one batched health event, like a full sync's part. */
export const DEVICE_HEALTH_BATCH_MAX = 500;

/**
 * The health of many devices in one event (`cn.gridlink.device.health_batch.v1`): each entry is a
 * DeviceHealth with its own (`observed_at`, `seq`), so the cloud keeps each device's newest as for
 * the single-device event, which older gateways still send. One event per up to
 * DEVICE_HEALTH_BATCH_MAX devices: the cloud stores one intake event per batch, not per device.
 */
export const DeviceHealthBatch = z.strictObject({
  devices: z.array(DeviceHealth).min(1).max(DEVICE_HEALTH_BATCH_MAX),
});
export type DeviceHealthBatch = z.infer<typeof DeviceHealthBatch>;

/** The gateway's own health. */
export const GatewayHealth = z.strictObject({
  gateway_id: GatewayId,
  version: z.string().min(1).max(64),
  uptime_s: z.number().min(0),
  clients: z.int().min(0),
  /** Events waiting in the outbox, by delivery class. */
  outbox_depth: z.strictObject({ alarm: z.int().min(0), state: z.int().min(0), telemetry: z.int().min(0) }),
  /** Low-priority events the outbox dropped or replaced by newer ones since the gateway started. */
  outbox_dropped: z.int().min(0),
  /** ONVIF cameras: configured, online, signed in (a wrong password is not), and receiving their events. */
  cameras: z.strictObject({
    configured: z.int().min(0),
    online: z.int().min(0),
    /** Absent from gateways older than these counts. */
    authenticated: z.int().min(0).optional(),
    subscribed: z.int().min(0).optional(),
  }),
  /** Free bytes on the disk of the gateway's data directory (null: unknown). */
  disk_free_bytes: z.number().min(0).nullable(),
  /** The gateway's clock minus the cloud's, as last measured, to within about a second (null: not yet). */
  clock_offset_ms: z.number().nullable(),
  ...Observation,
});
export type GatewayHealth = z.infer<typeof GatewayHealth>;
