import type { DeviceMessage } from '@gridlink/protocol';
import type { Logger } from 'pino';
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

/** The events on the gateway's bus, with their arguments. */
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

type Listener<K extends keyof GatewayEvents> = (...args: GatewayEvents[K]) => void;

/**
 * The gateway's internal typed event bus. Its listeners are isolated from each other and from the
 * emitter: a listener that throws is logged and counted, the others still run, and the emitter (the
 * broker's publish path, where a throw would refuse the device's PUBACK) never sees the error.
 */
export class GatewayBus {
  private readonly listeners = new Map<keyof GatewayEvents, Listener<never>[]>();
  private readonly errors: Partial<Record<keyof GatewayEvents, number>> = {};

  constructor(private readonly logger?: Logger) {}

  on<K extends keyof GatewayEvents>(event: K, listener: Listener<K>): this {
    // Copy on write: a listener added or removed while an event is delivered applies from the next one.
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener as Listener<never>]);
    return this;
  }

  off<K extends keyof GatewayEvents>(event: K, listener: Listener<K>): this {
    const current = this.listeners.get(event) ?? [];
    const index = current.lastIndexOf(listener as Listener<never>);
    if (index >= 0) this.listeners.set(event, current.toSpliced(index, 1));
    return this;
  }

  /** Delivers to every listener in order; says whether there was any. */
  emit<K extends keyof GatewayEvents>(event: K, ...args: GatewayEvents[K]): boolean {
    const current = this.listeners.get(event) as Listener<K>[] | undefined;
    if (!current?.length) return false;
    for (const listener of current) {
      try {
        listener(...args);
      } catch (err) {
        this.errors[event] = (this.errors[event] ?? 0) + 1;
        this.logger?.error({ err, event }, 'a bus listener failed: the event still went to the others');
      }
    }
    return true;
  }

  listenerCount(event: keyof GatewayEvents): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Listener failures so far, by event (the `gridlink_gateway_bus_listener_errors_total` metric). */
  listenerErrors(): Partial<Record<keyof GatewayEvents, number>> {
    return { ...this.errors };
  }
}
