import type { DeviceKind, Place } from '@gridlink/protocol';

export interface DeviceRecord {
  id: string;
  kind: DeviceKind;
  status: 'active' | 'retired';
  /**
   * scrypt hash of the device's MQTT password (see credentials/password.ts). For the broker only:
   * the rules keep a trimmed view (rules/rule-device.ts), so rule state never holds it.
   */
  passwordHash: string;
  place?: Place;
  /** Free text from the installer (where exactly, what was odd). */
  notes?: string;
  /** Installer tags that rules select on (e.g. `elderly_alone`). */
  tags?: string[];
}

/**
 * Scoped accounts for software, never for devices: each role gets only the topics it needs. An
 * integrator (a Node-RED flow) reads like an observer and may act only through its grants.
 */
export type ServiceRole = 'observer' | 'installer' | 'integrator';

/**
 * What an integrator may do beyond reading: command these devices (by id, or every device of a
 * kind) and publish as these third-party devices (their state, events and availability). None of
 * each: read-only.
 */
export interface IntegratorGrants {
  commandDevices: readonly string[];
  commandKinds: readonly DeviceKind[];
  ingestDevices: readonly string[];
}

export const NO_GRANTS: IntegratorGrants = { commandDevices: [], commandKinds: [], ingestDevices: [] };

export interface ServiceAccount {
  username: string;
  role: ServiceRole;
  passwordHash: string;
  /** An integrator's grants (read afresh on every publish, so a revocation holds at once). */
  grants?: IntegratorGrants;
}

/** Who the broker knows. The in-memory form backs tests and the dev launcher. */
export interface Directory {
  device(id: string): DeviceRecord | undefined;
  service(username: string): ServiceAccount | undefined;
  /** Every device that may connect: liveness expects to hear from each of them. */
  activeDevices(): Iterable<DeviceRecord>;
  /** Every device on record, retired ones too: the inventory the gateway reports to the cloud. */
  allDevices?(): Iterable<DeviceRecord>;
}

export class InMemoryDirectory implements Directory {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly services = new Map<string, ServiceAccount>();

  constructor(devices: DeviceRecord[] = [], services: ServiceAccount[] = []) {
    for (const device of devices) this.devices.set(device.id, device);
    for (const service of services) this.services.set(service.username, service);
  }

  addDevice(device: DeviceRecord): void {
    this.devices.set(device.id, device);
  }

  addService(account: ServiceAccount): void {
    this.services.set(account.username, account);
  }

  device(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  service(username: string): ServiceAccount | undefined {
    return this.services.get(username);
  }

  *activeDevices(): Iterable<DeviceRecord> {
    for (const device of this.devices.values()) if (device.status === 'active') yield device;
  }

  allDevices(): Iterable<DeviceRecord> {
    return this.devices.values();
  }
}
