import type { DeviceKind } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import type { GatewayModule } from '../modules/gateway-module.js';

/**
 * The one way into the gateway for devices that do not speak its MQTT themselves: what an adapter
 * hands over takes the path a device's own publish takes (validated against the device's profile,
 * durable in the outbox, on the bus for rules, telemetry and the uplink, then published on the
 * device's topics). Each call resolves false when the message was refused or could not be stored;
 * the sink has already logged and dead-lettered it.
 */
export interface DeviceSink {
  /** The device's whole current state (retained on `<base>/<device_id>`). */
  state(device: DeviceRecord, state: Record<string, unknown>): Promise<boolean>;
  /** One event of the device (`<base>/<device_id>/event/<type>`). */
  event(device: DeviceRecord, type: string, payload: Record<string, unknown>): Promise<boolean>;
}

/**
 * A device adapter (EdgeX's device services are the model): a gateway module that speaks to its
 * devices in their own protocol and reports through a `DeviceSink`. ONVIF cameras are the first;
 * a Modbus meter bridge or a vendor's access-control system would be the next, each a folder with
 * its adapter, its configuration and the device kinds it serves.
 */
export interface DeviceAdapter extends GatewayModule {
  /** The device kinds (profiles) this adapter speaks for. */
  readonly kinds: readonly DeviceKind[];
}
