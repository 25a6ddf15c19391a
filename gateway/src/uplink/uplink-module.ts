import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  type BridgeEvent,
  createTopics,
  type DownlinkMessage,
  toTimestamp,
  validateDeviceMessage,
} from '@gridlink/protocol';
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { answerBridgeRequests } from '../bridge-requests.js';
import type { GatewayBus, GatewayEvents, NormalisedMessage } from '../bus.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Directory } from '../devices/directory.js';
import type { AvailabilityChange } from '../liveness/tracker.js';
import type { GatewayModule, ModuleHealth } from '../modules/gateway-module.js';
import type { Publisher } from '../publisher.js';
import type { RulesModule } from '../rules/rules-module.js';
import { CloudClient } from './cloud-client.js';
import { alertEvent, availabilityEvent, deviceEvent, stateChange, telemetrySummary } from './cloud-events.js';
import { DownlinkLedger, type DownlinkOutcome, DownlinkReceiver } from './downlink.js';
import { Evidence } from './evidence.js';
import { uplinkMetrics } from './metrics.js';
import { type AppendOptions, Outbox, type OutboxEvent } from './outbox.js';
import { UplinkSender } from './sender.js';
import { StateReports } from './state-reports.js';

export interface UplinkModuleOptions {
  config: GatewayConfig;
  bus: GatewayBus;
  publisher: Publisher;
  aedes: Aedes;
  directory: Directory;
  rules: RulesModule;
  logger: Logger;
  now: () => number;
  /** Jitter source for retries; injectable so tests are exact. */
  random?: () => number;
  /** The commissioning drill: which events it marks `drill`, and the hops it is told of. */
  drills?: DrillMarks;
}

/**
 * What the uplink asks of a commissioning drill: whether a device's events are a drill's now, and
 * where they got to (in the outbox; taken by the cloud).
 */
export interface DrillMarks {
  isDrill(deviceId: string): boolean;
  stored(event: OutboxEvent): void;
  delivered(ids: readonly string[]): void;
}

/** The cameras a fresh snapshot is asked of (the ONVIF module, once it runs). */
export interface SnapshotSource {
  freshSnapshot(id: string): Promise<{ bytes: Buffer; at: number }>;
}

const SUMMARY_CHECK_MS = 1000;

/**
 * Store-and-forward to the cloud: what the gateway accepts goes into the durable outbox (device
 * events and discrete state changes before the device's PUBACK; alerts, availability and
 * telemetry summaries as they happen), and the sender moves it to the cloud. The downlink brings
 * the cloud's commands back the same way: durable until acknowledged, applied once.
 */
export class UplinkModule implements GatewayModule {
  readonly name = 'uplink';
  readonly outbox: Outbox;
  private readonly client: CloudClient;
  private readonly sender: UplinkSender;
  private readonly downlink?: DownlinkReceiver;
  private readonly ledger?: DownlinkLedger;
  private readonly reports: StateReports;
  private readonly gatewayId: string;
  private readonly topics;
  private timer?: NodeJS.Timeout;
  /** Events the gateway raised itself (alerts, availability) that could not be stored. */
  private lost = 0;
  private readonly storing = new Set<Promise<void>>();
  private readonly evidence?: Evidence;
  private cameras?: SnapshotSource;

  private readonly onAlert = ({ transition, clearReason }: GatewayEvents['alert'][0]) => {
    this.store(this.marked(alertEvent(this.gatewayId, transition, clearReason)));
    // The alert is queued first; its snapshot follows (after alarms, linked by the alert id).
    if (transition.type !== 'cleared') this.evidence?.fromAlert(transition.alert);
  };
  private readonly onAvailability = (change: AvailabilityChange) => {
    this.store(availabilityEvent(this.gatewayId, change));
  };

  constructor(private readonly options: UplinkModuleOptions) {
    const { config, logger, now } = options;
    const uplink = config.uplink;
    this.gatewayId = config.gateway.id;
    this.topics = createTopics(config.gateway.base_topic);
    this.outbox = new Outbox(join(config.gateway.data_dir, 'outbox.db'), {
      quotaBytes: uplink.quota_bytes,
      attachmentQuotaBytes: uplink.attachments.quota_bytes,
      now,
    });
    if (uplink.attachments.enabled) {
      this.evidence = new Evidence({
        queue: this.outbox.attachments,
        dataDir: config.gateway.data_dir,
        maxBytes: uplink.attachments.max_bytes,
        logger: logger.child({ module: 'evidence' }),
        queued: () => this.sender.notify(),
      });
    }
    this.client = new CloudClient({
      url: uplink.url as string,
      gatewayId: this.gatewayId,
      token: uplink.token as string,
      caFile: uplink.ca_file,
      certFile: uplink.cert_file,
      keyFile: uplink.key_file,
      tlsVerify: uplink.tls_verify,
      timeoutMs: uplink.request_timeout_ms,
    });
    const backoff = {
      initialMs: uplink.backoff_initial_ms,
      maxMs: uplink.backoff_max_ms,
      ...(options.random ? { random: options.random } : {}),
    };
    this.sender = new UplinkSender({
      outbox: this.outbox,
      client: this.client,
      logger: logger.child({ module: 'uplink' }),
      batchMaxEvents: uplink.batch_max_events,
      maxEventsPerSecond: uplink.max_events_per_second,
      backoff,
      ...(options.drills ? { onDelivered: (ids: string[]) => options.drills?.delivered(ids) } : {}),
    });
    if (uplink.downlink) {
      this.ledger = new DownlinkLedger(join(config.gateway.data_dir, 'downlink.db'));
      this.downlink = new DownlinkReceiver({
        client: this.client,
        ledger: this.ledger,
        apply: (message) => this.apply(message),
        logger: logger.child({ module: 'downlink' }),
        waitS: uplink.downlink_wait_s,
        backoff,
        now,
      });
    }
    // With the inventory on, its readings windows (many devices an event) carry the numbers up;
    // one summary per device and window is only for a gateway without it.
    this.reports = new StateReports(uplink.telemetry_window_s * 1000, (record, start, end, fields) => {
      if (!config.inventory.enabled) this.store(telemetrySummary(this.gatewayId, record, start, end, fields));
    });
  }

  async start(): Promise<void> {
    const { bus, now, aedes, publisher, config } = this.options;
    // Installers see and re-send what the cloud refused (quarantine), over MQTT like the other requests.
    await answerBridgeRequests(aedes, publisher, config.gateway.base_topic, {
      'outbox/status': () => ({ ...this.stats() }),
      'outbox/quarantined': () => ({ events: this.outbox.quarantined() }),
      'outbox/resend': ({ seqs }) => ({ resent: this.resend(seqs) }),
    });
    bus.on('alert', this.onAlert);
    bus.on('availability', this.onAvailability);
    this.timer = setInterval(() => this.reports.flushDue(now()), SUMMARY_CHECK_MS);
    this.timer.unref();
    this.sender.start();
    this.downlink?.start();
  }

  /**
   * Takes a valid device message before the broker acknowledges it. Returns a promise when the
   * message becomes an event that must be durable first (the PUBACK waits for it; a rejection
   * refuses the publish), or undefined when there is nothing to hold the device for.
   */
  accept(message: NormalisedMessage, payload: Uint8Array): Promise<void> | undefined {
    const parsed = message.message;
    let event: OutboxEvent | null = null;
    if (parsed.type === 'event') event = deviceEvent(this.gatewayId, message, payload);
    else if (parsed.type === 'state' && this.reports.observe(message.device, parsed.state, message.receivedAt)) {
      event = stateChange(this.gatewayId, message);
    }
    if (!event) return undefined;
    const stored = this.marked(event);
    return this.outbox.append(stored).then(() => {
      this.options.drills?.stored(stored);
      this.sender.notify();
    });
  }

  /** The link's round trip for the commissioning check (the cloud answers with its record of this gateway). */
  commissioningLink(): ReturnType<CloudClient['commissioningLink']> {
    return this.client.commissioningLink();
  }

  /** How far a drill alert got in the cloud. */
  drillStatus(alertId: string): ReturnType<CloudClient['drillStatus']> {
    return this.client.drillStatus(alertId);
  }

  /** Ends a drill in the cloud (its incident archived). */
  endDrill(alertId: string): ReturnType<CloudClient['endDrill']> {
    return this.client.endDrill(alertId);
  }

  /** A drilled device's event goes out marked, so the cloud keeps it apart as an exercise. */
  private marked(event: OutboxEvent): OutboxEvent {
    const deviceId = event.deviceid;
    return deviceId !== undefined && this.options.drills?.isDrill(deviceId) ? { ...event, drill: true } : event;
  }

  async stop(): Promise<void> {
    const { bus, now } = this.options;
    bus.off('alert', this.onAlert);
    bus.off('availability', this.onAvailability);
    clearInterval(this.timer);
    this.reports.flushAll(now());
    // The summaries just flushed (and any alert in flight) reach the disk before the outbox closes.
    await Promise.all(this.storing);
    await this.sender.stop();
    await this.downlink?.stop();
    this.client.close();
    this.outbox.close();
    this.ledger?.close();
  }

  /** Where fresh snapshots come from: the ONVIF cameras, once they run. */
  setCameras(cameras: SnapshotSource | undefined): void {
    this.cameras = cameras;
  }

  metrics(register: Registry): void {
    uplinkMetrics(register, () => this.stats());
  }

  /** The outbox's depth, every class together, and whether the cloud answers. */
  health(): ModuleHealth {
    const depth = this.outbox.depth();
    return {
      outbox_depth: depth.alarm + depth.state + depth.telemetry,
      cloud: this.sender.stats().link === 'online' ? 'connected' : 'disconnected',
    };
  }

  stats() {
    return {
      outbox: this.outbox.stats(),
      sender: this.sender.stats(),
      downlink: { applied: this.downlink?.applied ?? 0, rejected: this.downlink?.rejected ?? 0 },
      attachments: this.outbox.attachments.stats(),
      lost: this.lost,
    };
  }

  /** Quarantined events back in the outbox, on their way at once (all of them when no seqs are given). */
  resend(seqs?: readonly number[]): number {
    const resent = this.outbox.resend(seqs);
    this.sender.notify();
    return resent;
  }

  /** This gateway's clock minus the cloud's, as the last answer from the cloud showed it (null: none yet). */
  clockOffsetMs(): number | null {
    return this.client.clockOffsetMs();
  }

  /**
   * An event another module of the gateway raises (inventory, health): into the outbox and on its
   * way. Not tied to a PUBACK: a refusal is logged and counted.
   */
  enqueue(event: OutboxEvent, options: AppendOptions = {}): void {
    this.store(event, options);
  }

  /** Events the gateway raises itself are not tied to a PUBACK: a refusal is logged and counted. */
  private store(event: OutboxEvent, options: AppendOptions = {}): void {
    const stored = this.outbox.append(event, options).then(
      () => {
        this.options.drills?.stored(event);
        this.sender.notify();
      },
      (err: Error) => {
        this.lost++;
        this.options.logger.error({ err: err.message, event: event.id, type: event.type }, 'event not stored');
      },
    );
    this.storing.add(stored);
    void stored.finally(() => this.storing.delete(stored));
  }

  /**
   * Someone on an incident's page asked for fresh pictures: each camera's goes up as an attachment
   * of the request. Rejected (each camera's reason) only when none could be taken.
   */
  private async freshSnapshots(requestId: string, deviceIds: readonly string[]): Promise<DownlinkOutcome> {
    const { evidence, cameras } = this;
    if (!evidence)
      return { result: 'rejected', error: 'camera snapshots are off on this gateway (uplink.attachments.enabled)' };
    if (!cameras) return { result: 'rejected', error: 'no ONVIF cameras run on this gateway (onvif.enabled)' };
    const failures: string[] = [];
    await Promise.all(
      deviceIds.map(async (id) => {
        try {
          const { bytes, at } = await cameras.freshSnapshot(id);
          evidence.fromRequest(requestId, id, bytes, at);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }),
    );
    if (failures.length > 0) this.options.logger.warn({ request: requestId, failures }, 'fresh snapshot failed');
    return failures.length === deviceIds.length
      ? { result: 'rejected', error: failures.join('; ') }
      : { result: 'applied' };
  }

  private async apply(message: DownlinkMessage): Promise<DownlinkOutcome> {
    const { directory, publisher, rules, now } = this.options;
    switch (message.type) {
      case 'device.command': {
        const { device_id: id, command } = message.data;
        const device = directory.device(id);
        if (device?.status !== 'active') return { result: 'rejected', error: `no active device ${id}` };
        const topic = this.topics.deviceSet(id);
        const checked = validateDeviceMessage({
          topic,
          payload: JSON.stringify(command),
          kind: device.kind,
          base: this.options.config.gateway.base_topic,
        });
        if (!checked.ok) return { result: 'rejected', error: checked.error.message };
        await publisher.publish(topic, command, { qos: 1 });
        return { result: 'applied' };
      }
      case 'rules.update': {
        const { rules_yaml: yaml, sha256 } = message.data;
        const actual = createHash('sha256').update(yaml).digest('hex');
        if (actual !== sha256) return { result: 'rejected', error: `sha256 mismatch: the rules arrived as ${actual}` };
        const installed = rules.installCloudRules(yaml);
        return installed.ok ? { result: 'applied' } : { result: 'rejected', error: installed.errors.join('\n') };
      }
      case 'camera.snapshot':
        return this.freshSnapshots(message.data.request_id, message.data.device_ids);
      case 'incident.acknowledged':
      case 'incident.closed': {
        const alert = rules.active().find((candidate) => candidate.alert_id === message.data.alert_id);
        const event: BridgeEvent = {
          ts: toTimestamp(now()),
          type: message.type === 'incident.acknowledged' ? 'incident_acknowledged' : 'incident_closed',
          ...(alert ? { device_id: alert.device_id } : {}),
          detail: `incident ${message.data.incident_id} for alert ${message.data.alert_id}${
            message.type === 'incident.closed' ? `: ${message.data.outcome}` : ''
          }`,
        };
        await publisher.publish(this.topics.bridgeEvent, event);
        return { result: 'applied' };
      }
    }
  }
}
