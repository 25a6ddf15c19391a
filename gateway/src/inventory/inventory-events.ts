import {
  createCloudEvent,
  DEVICE_HEALTH_BATCH_MAX,
  type DeviceHealth,
  type GatewayHealth,
  INVENTORY_SYNC_PART_MAX,
  type InventoryDevice,
  toTimestamp,
} from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import type { OutboxEvent } from '../uplink/outbox.js';

/**
 * The CloudEvents of the inventory: all in the lowest delivery class (`telemetry`), so alarms and
 * state changes always overtake them, each with the key under which a newer one replaces it while
 * unsent (see Outbox.append).
 */
export interface CoalescedEvent {
  event: OutboxEvent;
  coalesceKey: string;
}

/** When and in what order the gateway observed something: the cloud keeps the newest. */
export interface Observation {
  at: number;
  seq: number;
}

export function inventoryRecord(device: DeviceRecord): InventoryDevice {
  return {
    device_id: device.id,
    device_kind: device.kind,
    ...(device.place ? { place: device.place } : {}),
    tags: [...(device.tags ?? [])].sort(),
    status: device.status,
  };
}

const stamp = (observation: Observation) => `${observation.at}-${observation.seq}`;

/** Every device of the registry, in parts of at most INVENTORY_SYNC_PART_MAX; a sync of none is one empty part. */
export function fullSync(
  gatewayId: string,
  community: string,
  devices: readonly DeviceRecord[],
  observation: Observation,
): CoalescedEvent[] {
  const records = devices.map(inventoryRecord).sort((a, b) => a.device_id.localeCompare(b.device_id));
  const parts = Math.max(1, Math.ceil(records.length / INVENTORY_SYNC_PART_MAX));
  const syncId = `sync-${stamp(observation)}`;
  return Array.from({ length: parts }, (_, index) => ({
    // A newer sync's part replaces the older sync's unsent part of the same number; an older part
    // left over never completes its sync, so it reconciles nothing.
    coalesceKey: `inventory-sync#${index + 1}`,
    event: createCloudEvent({
      id: `${syncId}.${index + 1}`,
      type: 'cn.gridlink.inventory.sync.v1',
      gatewayId,
      time: toTimestamp(observation.at),
      priority: 'telemetry',
      data: {
        gateway_id: gatewayId,
        community,
        sync_id: syncId,
        part: index + 1,
        parts,
        devices: records.slice(index * INVENTORY_SYNC_PART_MAX, (index + 1) * INVENTORY_SYNC_PART_MAX),
        observed_at: toTimestamp(observation.at),
        seq: observation.seq,
      },
    }),
  }));
}

export function inventoryChanged(gatewayId: string, device: DeviceRecord, observation: Observation): CoalescedEvent {
  return {
    coalesceKey: `inventory-changed:${device.id}`,
    event: createCloudEvent({
      id: `ic-${stamp(observation)}-${device.id}`,
      type: 'cn.gridlink.inventory.changed.v1',
      gatewayId,
      deviceId: device.id,
      time: toTimestamp(observation.at),
      priority: 'telemetry',
      data: { ...inventoryRecord(device), observed_at: toTimestamp(observation.at), seq: observation.seq },
    }),
  };
}

export function deviceHealth(
  gatewayId: string,
  health: Omit<DeviceHealth, 'observed_at' | 'seq'>,
  observation: Observation,
): CoalescedEvent {
  return {
    coalesceKey: `device-health:${health.device_id}`,
    event: createCloudEvent({
      id: `dh-${stamp(observation)}-${health.device_id}`,
      type: 'cn.gridlink.device.health.v1',
      gatewayId,
      deviceId: health.device_id,
      time: toTimestamp(observation.at),
      priority: 'telemetry',
      data: { ...health, observed_at: toTimestamp(observation.at), seq: observation.seq },
    }),
  };
}

/**
 * A health round: every device's summary, in events of at most DEVICE_HEALTH_BATCH_MAX (the cloud
 * stores one event per batch, not one per device). Each summary keeps its own observation. A newer
 * round's batch replaces the older round's unsent batch of the same number, so however long the
 * cloud is away at most one round's worth waits (as many batches as the largest round had), and
 * every device of the newer round is in one of its batches.
 */
export function deviceHealthBatches(
  gatewayId: string,
  summaries: ReadonlyArray<{ health: Omit<DeviceHealth, 'observed_at' | 'seq'>; observation: Observation }>,
): CoalescedEvent[] {
  const events: CoalescedEvent[] = [];
  for (let start = 0; start < summaries.length; start += DEVICE_HEALTH_BATCH_MAX) {
    const slice = summaries.slice(start, start + DEVICE_HEALTH_BATCH_MAX);
    const first = slice[0] as (typeof slice)[number];
    const part = start / DEVICE_HEALTH_BATCH_MAX + 1;
    events.push({
      coalesceKey: `device-health#${part}`,
      event: createCloudEvent({
        id: `dhb-${stamp(first.observation)}-${part}`,
        type: 'cn.gridlink.device.health_batch.v1',
        gatewayId,
        time: toTimestamp(first.observation.at),
        priority: 'telemetry',
        data: {
          devices: slice.map(({ health, observation }) => ({
            ...health,
            observed_at: toTimestamp(observation.at),
            seq: observation.seq,
          })),
        },
      }),
    });
  }
  return events;
}

export function gatewayHealth(
  gatewayId: string,
  health: Omit<GatewayHealth, 'observed_at' | 'seq' | 'gateway_id'>,
  observation: Observation,
): CoalescedEvent {
  return {
    coalesceKey: 'gateway-health',
    event: createCloudEvent({
      id: `gh-${stamp(observation)}`,
      type: 'cn.gridlink.gateway.health.v1',
      gatewayId,
      time: toTimestamp(observation.at),
      priority: 'telemetry',
      data: { gateway_id: gatewayId, ...health, observed_at: toTimestamp(observation.at), seq: observation.seq },
    }),
  };
}
