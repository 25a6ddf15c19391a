import { createHash } from 'node:crypto';
import { createCloudEvent, profileOf, toTimestamp } from '@gridlink/protocol';
import type { NormalisedMessage } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { AvailabilityChange } from '../liveness/tracker.js';
import type { AlertTransition } from '../rules/engine.js';
import type { GatewayClearReason } from '../rules/rule-device.js';
import type { OutboxEvent } from './outbox.js';

/**
 * Builds the CloudEvents the gateway sends. Ids are derived from what identifies the event, so
 * the same event always gets the same id: a device that sends a QoS1 message again (its PUBACK was
 * lost when the gateway died) produces the same id, and the outbox and the cloud both take it once.
 */
type WithoutSeq<T> = Omit<T, 'deviceseq'>;

const digest = (...parts: Array<string | Uint8Array>) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('base64url').slice(0, 32);
};

const device = (record: DeviceRecord) => ({
  device_id: record.id,
  device_kind: record.kind,
  ...(record.place ? { place: record.place } : {}),
});

function strip<T extends { deviceseq?: number }>(event: T): WithoutSeq<T> {
  const { deviceseq: _assignedByTheOutbox, ...rest } = event;
  return rest;
}

/** A device event (`<base>/<id>/event/<type>`): alarm class when its profile marks it urgent. */
export function deviceEvent(gatewayId: string, message: NormalisedMessage, payload: Uint8Array): OutboxEvent | null {
  const { device: record, message: parsed } = message;
  if (parsed.type !== 'event') return null;
  const spec = profileOf(record.kind).events[parsed.eventType] as { urgent?: true } | undefined;
  return strip(
    createCloudEvent({
      id: `ev-${digest(record.id, parsed.eventType, payload)}`,
      type: 'cn.gridlink.device.event.v1',
      gatewayId,
      deviceId: record.id,
      time: parsed.payload.ts,
      priority: spec?.urgent ? 'alarm' : 'state',
      data: { ...device(record), event_type: parsed.eventType, payload: parsed.payload },
    }),
  );
}

/** A change of a device's discrete state (a door, a valve, a flag): state class. */
export function stateChange(gatewayId: string, message: NormalisedMessage): OutboxEvent {
  const { device: record, message: parsed, receivedAt } = message;
  const state = parsed.type === 'state' ? parsed.state : {};
  return strip(
    createCloudEvent({
      // A state report carries no time of its own: the receipt time tells two reports apart.
      id: `st-${digest(record.id, JSON.stringify(state), String(receivedAt))}`,
      type: 'cn.gridlink.device.state.v1',
      gatewayId,
      deviceId: record.id,
      time: toTimestamp(receivedAt),
      priority: 'state',
      data: { ...device(record), state },
    }),
  );
}

export function availabilityEvent(gatewayId: string, change: AvailabilityChange): OutboxEvent {
  return strip(
    createCloudEvent({
      id: `av-${digest(change.device.id, change.state, String(change.at))}`,
      type: 'cn.gridlink.device.availability.v1',
      gatewayId,
      deviceId: change.device.id,
      time: toTimestamp(change.at),
      priority: 'state',
      data: { ...device(change.device), state: change.state, reason: change.reason },
    }),
  );
}

/** Alerts keep the gateway's alert id end to end; each transition has an id of its own. */
export function alertEvent(
  gatewayId: string,
  transition: AlertTransition,
  clearReason: GatewayClearReason,
): OutboxEvent {
  const { alert } = transition;
  const common = { gatewayId, deviceId: alert.device_id, priority: 'alarm' as const };
  switch (transition.type) {
    case 'raised':
      return strip(
        createCloudEvent({
          ...common,
          id: `${alert.alert_id}.raised`,
          type: 'cn.gridlink.alert.raised.v1',
          time: alert.since,
          data: alert,
        }),
      );
    case 'updated':
      return strip(
        createCloudEvent({
          ...common,
          id: `${alert.alert_id}.updated.${alert.occurrences}.${digest(alert.last_seen)}`,
          type: 'cn.gridlink.alert.updated.v1',
          time: alert.last_seen,
          data: alert,
        }),
      );
    case 'cleared':
      return strip(
        createCloudEvent({
          ...common,
          id: `${alert.alert_id}.cleared`,
          type: 'cn.gridlink.alert.cleared.v1',
          time: toTimestamp(transition.at),
          data: {
            alert_id: alert.alert_id,
            rule_id: alert.rule_id,
            device_id: alert.device_id,
            cleared_at: toTimestamp(transition.at),
            reason: clearReason,
          },
        }),
      );
  }
}

export interface FieldSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  last: number;
}

export function telemetrySummary(
  gatewayId: string,
  record: DeviceRecord,
  windowStart: number,
  windowEnd: number,
  fields: Record<string, FieldSummary>,
): OutboxEvent {
  return createCloudEvent({
    id: `tm-${digest(record.id, String(windowStart), String(windowEnd))}`,
    type: 'cn.gridlink.telemetry.summary.v1',
    gatewayId,
    deviceId: record.id,
    time: toTimestamp(windowEnd),
    priority: 'telemetry',
    data: {
      ...device(record),
      window_start: toTimestamp(windowStart),
      window_end: toTimestamp(windowEnd),
      fields,
    },
  });
}
