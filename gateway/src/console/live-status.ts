import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { AvailabilityChange } from '../liveness/tracker.js';

/** What the console shows of a device beside its registry row. */
export interface DeviceLive {
  lastSeen?: string;
  lastMessage?: { type: string; at: string; summary: string };
  battery?: number;
  rssi?: number;
}

const SUMMARY_LENGTH = 160;

/**
 * The devices' latest messages as the console shows them, fed by the bus. One entry per device
 * (the registry bounds them); a device's online state comes from liveness, not from here.
 */
export class LiveStatus {
  private readonly devices = new Map<string, DeviceLive>();

  constructor(private readonly bus: GatewayBus) {}

  attach(): () => void {
    const onMessage = ({ device, message, receivedAt }: NormalisedMessage) => {
      const live = this.devices.get(device.id) ?? {};
      const at = new Date(receivedAt).toISOString();
      live.lastSeen = at;
      const body =
        message.type === 'state'
          ? message.state
          : message.type === 'event'
            ? { [message.eventType]: message.payload }
            : message.type === 'availability'
              ? { state: message.state }
              : { [message.command]: message.payload };
      live.lastMessage = { type: message.type, at, summary: JSON.stringify(body).slice(0, SUMMARY_LENGTH) };
      if (message.type === 'state') {
        if (typeof message.state.battery === 'number') live.battery = message.state.battery;
        if (typeof message.state.rssi === 'number') live.rssi = message.state.rssi;
      }
      this.devices.set(device.id, live);
    };
    const onAvailability = (change: AvailabilityChange) => {
      const live = this.devices.get(change.device.id) ?? {};
      if (change.state === 'online') live.lastSeen = new Date(change.at).toISOString();
      this.devices.set(change.device.id, live);
    };
    this.bus.on('message', onMessage).on('availability', onAvailability);
    return () => {
      this.bus.off('message', onMessage).off('availability', onAvailability);
    };
  }

  of(id: string): DeviceLive {
    return this.devices.get(id) ?? {};
  }
}
