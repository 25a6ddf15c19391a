import { EventEmitter } from 'node:events';
import type { DeviceMessage } from '@gridlink/protocol';
import type { DeviceRecord } from './devices/directory.js';
import type { AvailabilityChange } from './liveness/tracker.js';
import type { AlertTransition } from './rules/engine.js';
import type { GatewayClearReason } from './rules/rule-device.js';

/** A device message that passed validation: the input of rules, telemetry and the uplink. */
export interface NormalisedMessage {
  device: DeviceRecord;
  message: DeviceMessage;
  receivedAt: number;
}

export interface InvalidMessage {
  device: DeviceRecord;
  topic: string;
  error: string;
  receivedAt: number;
}

/** The gateway's internal typed event bus. */
export interface GatewayEvents {
  message: [NormalisedMessage];
  invalid: [InvalidMessage];
  connected: [DeviceRecord];
  disconnected: [DeviceRecord];
  /** A device came online or went offline (after hysteresis): a maintenance event of its own. */
  availability: [AvailabilityChange];
  /** An alert raised, updated or cleared by the local rules (the uplink sends each to the cloud). */
  alert: [{ transition: AlertTransition; clearReason: GatewayClearReason }];
}

export class GatewayBus extends EventEmitter<GatewayEvents> {}
