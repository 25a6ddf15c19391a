import { BRIDGE_COMMANDS, type BridgeCommandResponse, parseWith } from '@gridlink/protocol';

/** A device on the gateway's record, as `devices/list` gives it (kind, place, tags). */
export type GatewayDevice = BridgeCommandResponse<'devices/list'>['devices'][number];

export interface DeviceDirectoryOptions {
  /** The gateway's `devices/list` answer (`data`). */
  list: () => Promise<Record<string, unknown>>;
  now?: () => number;
  /** A list older than this is asked for again (tags and places change). */
  maxAgeMs?: number;
  /** An unknown device id asks again, at most this often (a new device, or a stray one). */
  unknownRetryMs?: number;
}

/**
 * The gateway's devices, from its read-only `devices/list` bridge command: a device's kind decides
 * which profile checks its messages, and its place and tags are what flows select on. Shared by
 * the nodes of one gateway config node; one request at a time.
 */
export class DeviceDirectory {
  private devices: Map<string, GatewayDevice> | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<Map<string, GatewayDevice>> | undefined;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly unknownRetryMs: number;

  constructor(private readonly options: DeviceDirectoryOptions) {
    this.now = options.now ?? Date.now;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.unknownRetryMs = options.unknownRetryMs ?? 10_000;
  }

  /** The device, asking the gateway again when the list is old or the id is new to it. */
  async device(id: string): Promise<GatewayDevice | undefined> {
    const age = this.now() - this.fetchedAt;
    let devices = this.devices && age < this.maxAgeMs ? this.devices : await this.refresh();
    if (!devices.has(id) && this.now() - this.fetchedAt >= this.unknownRetryMs) devices = await this.refresh();
    return devices.get(id);
  }

  /** Forgets the list (after a reconnect the gateway may know other devices). */
  invalidate(): void {
    this.devices = undefined;
    this.fetchedAt = Number.NEGATIVE_INFINITY;
  }

  private refresh(): Promise<Map<string, GatewayDevice>> {
    this.pending ??= this.options
      .list()
      .then((data) => {
        const parsed = parseWith(BRIDGE_COMMANDS['devices/list'].response, data, 'devices/list');
        if (!parsed.ok) throw parsed.error;
        this.devices = new Map(parsed.value.devices.map((device) => [device.id, device]));
        this.fetchedAt = this.now();
        return this.devices;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
