import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CloudClient,
  type DeviceRecord,
  deviceHealthBatches,
  fullSync,
  gatewayHealth,
  Outbox,
  type OutboxEvent,
  UplinkSender,
} from '@gridlink/gateway';
import { createCloudEvent, type DeviceKind, type Severity, toTimestamp } from '@gridlink/protocol';
import type { Logger } from 'pino';

/** A gateway of the simulated district: its id, token, community and the grids its devices are in. */
export interface SimGatewaySpec {
  id: string;
  token: string;
  community: string;
  grids: string[];
}

/** An alert the simulation raises: what the gateway's built-in rule of that kind would send. */
export interface AlertKind {
  rule: string;
  kind: DeviceKind;
  category: string;
  severity: Severity;
}

const KINDS: DeviceKind[] = ['smoke_detector', 'door_contact', 'water_leak', 'temp_humidity', 'gas_detector'];

/**
 * One simulated gateway: the gateway's own durable outbox (SQLite, per-device sequence numbers,
 * lanes, `replayed` while the link is down), its cloud client and its uplink sender (one batch in
 * flight, batches of `batchMaxEvents`, its rate limit, backoff with jitter, the same ids on every
 * retry). Only the devices are simulated: events are built here in the shapes the gateway's modules
 * build them and appended as they would append them.
 */
export class SimGateway {
  readonly outbox: Outbox;
  readonly sender: UplinkSender;
  readonly devices: DeviceRecord[];
  /** Alarm and state events appended (never dropped nor coalesced: each must reach the cloud). */
  readonly mustDeliver = new Set<string>();
  /** Ids the cloud took (accepted or duplicate). */
  readonly delivered = new Set<string>();
  private readonly client: CloudClient;
  private seq = 0;
  private alerts = 0;
  /** Appends not yet committed (the outbox commits on the next turn of the event loop). */
  private appending = 0;
  private readonly active = new Map<string, { alertId: string; rule: string; device: string }>();

  constructor(
    readonly spec: SimGatewaySpec,
    options: {
      url: string;
      dataDir: string;
      devices: number;
      logger: Logger;
      batchMaxEvents: number;
      /** Each batch POST answered, with its time from request to response (ms). */
      onRequest?: (ms: number) => void;
    },
  ) {
    this.devices = Array.from({ length: options.devices }, (_, d) => {
      const kind = KINDS[d % KINDS.length] as DeviceKind;
      const building = String(1 + (d % 12));
      return {
        id: `${kind.replace('_', '')}-${spec.id.slice(3)}-${d}`.slice(0, 63),
        kind,
        status: 'active' as const,
        passwordHash: '',
        place: {
          community: spec.community,
          grid: spec.grids[d % spec.grids.length] as string,
          building,
          unit: String(1 + (d % 3)),
          floor: 1 + (d % 18),
        },
        tags: [],
      };
    });
    // No disk reserve: a thousand outboxes on one machine; everything else as the gateway opens it.
    this.outbox = new Outbox(join(options.dataDir, `${spec.id}.db`), { reserveBytes: 0 });
    this.client = new TimedClient(options.onRequest, {
      url: options.url,
      gatewayId: spec.id,
      token: spec.token,
      tlsVerify: true,
      timeoutMs: 15_000,
    });
    this.sender = new UplinkSender({
      outbox: this.outbox,
      client: this.client,
      logger: options.logger,
      batchMaxEvents: options.batchMaxEvents,
      maxEventsPerSecond: 5000,
      backoff: { initialMs: 500, maxMs: 60_000 },
      // An idle sender looks at its outbox every 10 s instead of every second: appends wake it at
      // once anyway, and a thousand idle polls a second would weigh on this one process.
      idleMs: 10_000,
      onDelivered: (ids) => {
        for (const id of ids) this.delivered.add(id);
      },
    });
  }

  start(): void {
    this.sender.start();
  }

  /** Stops sending (a request in flight is abandoned: the cloud may or may not have taken it). */
  halt(): Promise<void> {
    return this.sender.stop();
  }

  /** Ids still waiting in the outbox. */
  waitingIds(): string[] {
    return this.outbox.nextBatch(Number.MAX_SAFE_INTEGER).map((entry) => entry.id);
  }

  async stop(): Promise<void> {
    await this.sender.stop();
    this.client.close();
    this.outbox.close();
  }

  /** Alarm and state events appended that the cloud has not acknowledged yet. */
  undelivered(): string[] {
    return [...this.mustDeliver].filter((id) => !this.delivered.has(id));
  }

  /** Events waiting in the outbox, or about to be. */
  depth(): number {
    const d = this.outbox.depth();
    return this.appending + d.alarm + d.state + d.telemetry;
  }

  private observation(at: number) {
    this.seq++;
    return { at, seq: this.seq };
  }

  private append(event: OutboxEvent, coalesceKey?: string): void {
    if (coalesceKey === undefined) this.mustDeliver.add(event.id);
    this.appending++;
    void this.outbox
      .append(event, coalesceKey === undefined ? {} : { coalesceKey })
      .finally(() => this.appending--)
      .then(() => this.sender.notify());
  }

  private device(n: number): DeviceRecord {
    return this.devices[n % this.devices.length] as DeviceRecord;
  }

  /** The inventory module's full sync at start. */
  sync(at: number): void {
    for (const e of fullSync(this.spec.id, this.spec.community, this.devices, this.observation(at)))
      this.append(e.event, e.coalesceKey);
  }

  /** A door opened or closed, a valve moved: the device's state report. */
  stateChange(n: number, at: number): void {
    const device = this.doorOf(n);
    const state = { contact: n % 2 === 0 ? 'open' : 'closed' };
    this.append(
      strip(
        createCloudEvent({
          id: `st-${device.id}-${at}-${n}`,
          type: 'cn.gridlink.device.state.v1',
          gatewayId: this.spec.id,
          deviceId: device.id,
          time: toTimestamp(at),
          priority: 'state',
          data: { device_id: device.id, device_kind: device.kind, place: device.place, state },
        }),
      ),
    );
  }

  private doorOf(n: number): DeviceRecord {
    const doors = this.devices.filter((d) => d.kind === 'door_contact');
    return doors[n % doors.length] ?? this.device(n);
  }

  /** The liveness tracker's change of a device's availability. */
  availability(n: number, state: 'online' | 'offline', at: number): void {
    const device = this.device(n);
    this.append(
      strip(
        createCloudEvent({
          id: `av-${device.id}-${state}-${at}`,
          type: 'cn.gridlink.device.availability.v1',
          gatewayId: this.spec.id,
          deviceId: device.id,
          time: toTimestamp(at),
          priority: 'state',
          data: {
            device_id: device.id,
            device_kind: device.kind,
            place: device.place,
            state,
            reason: state === 'online' ? 'connected' : 'heartbeat_missed',
          },
        }),
      ),
    );
  }

  /** The readings of a window (temperature and humidity of every temp_humidity device): one event a part. */
  readings(windowStart: number, windowEnd: number): void {
    const devices = this.devices
      .filter((d) => d.kind === 'temp_humidity')
      .map((d, i) => ({
        device_id: d.id,
        device_kind: d.kind,
        fields: {
          temperature: { count: 10, min: 20, max: 23 + (i % 3), mean: 21.5, last: 22 },
          humidity: { count: 10, min: 40, max: 48, mean: 44, last: 45 },
        },
      }));
    if (devices.length === 0) return;
    this.append(
      createCloudEvent({
        id: `rw-${windowStart}-${windowEnd}-1`,
        type: 'cn.gridlink.readings.window.v1',
        gatewayId: this.spec.id,
        time: toTimestamp(windowEnd),
        priority: 'telemetry',
        data: {
          gateway_id: this.spec.id,
          window_start: toTimestamp(windowStart),
          window_end: toTimestamp(windowEnd),
          part: 1,
          parts: 1,
          devices,
        },
      }),
      `readings:${windowStart}#1`,
    );
  }

  /** Every device's health summary, in the inventory module's batched events. */
  deviceHealth(at: number): void {
    const base = this.observation(at);
    this.seq += this.devices.length;
    const summaries = this.devices.map((device, d) => ({
      health: {
        device_id: device.id,
        device_kind: device.kind,
        availability: 'online' as const,
        last_seen: toTimestamp(at - 30_000),
        battery: 20 + (d % 80),
        signal_dbm: -60 - (d % 30),
        faults: [],
        tamper: false,
      },
      observation: { at, seq: base.seq + 1 + d },
    }));
    for (const e of deviceHealthBatches(this.spec.id, summaries)) this.append(e.event, e.coalesceKey);
  }

  /** The gateway's own health. */
  gatewayHealth(at: number, uptimeS: number): void {
    const e = gatewayHealth(
      this.spec.id,
      {
        version: '1.4.0',
        uptime_s: uptimeS,
        clients: this.devices.length,
        outbox_depth: this.outbox.depth(),
        outbox_dropped: 0,
        cameras: { configured: 0, online: 0, authenticated: 0, subscribed: 0 },
        disk_free_bytes: 1e10,
        clock_offset_ms: 0,
      },
      this.observation(at),
    );
    this.append(e.event, e.coalesceKey);
  }

  /** A rule raises an alert on a device of that kind (picked by `n`); it clears with clearAlerts. */
  raise(alert: AlertKind, n: number, at: number): string {
    const candidates = this.devices.filter((d) => d.kind === alert.kind);
    const device = candidates[n % candidates.length] ?? this.device(n);
    this.alerts++;
    const alertId = `${this.spec.id}.${alert.rule}.${device.id}.${at}.${this.alerts}`.slice(0, 128);
    const time = toTimestamp(at);
    this.append(
      strip(
        createCloudEvent({
          id: `${alertId}.raised`,
          type: 'cn.gridlink.alert.raised.v1',
          gatewayId: this.spec.id,
          deviceId: device.id,
          time,
          priority: 'alarm',
          data: {
            alert_id: alertId,
            rule_id: `builtin.${alert.rule}`,
            device_id: device.id,
            state: 'active',
            severity: alert.severity,
            category: alert.category,
            since: time,
            last_seen: time,
            occurrences: 1,
            message: { zh: `${device.id} 告警`, en: `Alert at ${device.id}` },
            ...(device.place ? { place: device.place } : {}),
          },
        }),
      ),
    );
    this.active.set(alertId, { alertId, rule: `builtin.${alert.rule}`, device: device.id });
    return alertId;
  }

  /** Clears every active alert (the condition stopped holding). */
  clearAlerts(at: number): void {
    for (const { alertId, rule, device } of this.active.values()) {
      const time = toTimestamp(at);
      this.append(
        strip(
          createCloudEvent({
            id: `${alertId}.cleared`,
            type: 'cn.gridlink.alert.cleared.v1',
            gatewayId: this.spec.id,
            deviceId: device,
            time,
            priority: 'alarm',
            data: { alert_id: alertId, rule_id: rule, device_id: device, cleared_at: time, reason: 'condition_false' },
          }),
        ),
      );
    }
    this.active.clear();
  }
}

/** The gateway's cloud client, timing each batch it posts. */
class TimedClient extends CloudClient {
  constructor(
    private readonly onRequest: ((ms: number) => void) | undefined,
    options: ConstructorParameters<typeof CloudClient>[0],
  ) {
    super(options);
  }

  override async postEvents(batchJson: string, signal?: AbortSignal) {
    const started = performance.now();
    const response = await super.postEvents(batchJson, signal);
    this.onRequest?.(performance.now() - started);
    return response;
  }
}

/** The outbox assigns the per-device sequence number: an event is handed to it without one. */
function strip<T extends { deviceseq?: number }>(event: T): Omit<T, 'deviceseq'> {
  const { deviceseq: _assignedByTheOutbox, ...rest } = event;
  return rest;
}
