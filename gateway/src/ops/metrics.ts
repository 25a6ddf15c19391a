import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { OnvifModule } from '../onvif/onvif-module.js';
import type { UplinkModule } from '../uplink/uplink-module.js';

type UplinkStats = ReturnType<UplinkModule['stats']>;
const LINK_STATES = ['connecting', 'online', 'offline', 'unauthorized'] as const;

/** Values the gateway's modules expose; read at scrape time, so the hot path pays nothing. */
export interface MetricSources {
  clients(): number;
  messages(): { valid: number; invalid: number };
  refusals(): Record<string, number>;
  availability(): { online: number; offline: number; unknown: number };
  telemetry?(): { queued: number; written: number; dropped: Record<string, number> };
  uplink?(): UplinkStats;
  onvif?(): ReturnType<OnvifModule['stats']>;
  busListenerErrors(): Record<string, number>;
  overload(): {
    droppedQoS0: number;
    disconnectedBacklog: number;
    disconnectedStalled: number;
    shedQoS0: number;
    emitterBacklog: number;
  };
}

/**
 * Prometheus metrics (conventions: prefix `gridlink_`, base units, counters end in `_total`, no
 * per-device or per-person labels). One registry per gateway, so tests can run several.
 */
export function createMetrics(sources: MetricSources): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'gridlink_gateway_' });

  new Gauge({
    name: 'gridlink_mqtt_clients',
    help: 'Connected MQTT clients',
    registers: [register],
    collect() {
      this.set(sources.clients());
    },
  });
  new Counter({
    name: 'gridlink_mqtt_messages_total',
    help: 'Device messages received, by validation result',
    labelNames: ['result'] as const,
    registers: [register],
    collect() {
      const { valid, invalid } = sources.messages();
      this.reset();
      this.inc({ result: 'valid' }, valid);
      this.inc({ result: 'invalid' }, invalid);
    },
  });
  new Counter({
    name: 'gridlink_gateway_bus_listener_errors_total',
    help: 'Bus listeners that threw, by event (the event still reached the other listeners)',
    labelNames: ['event'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const [event, count] of Object.entries(sources.busListenerErrors())) this.inc({ event }, count);
    },
  });
  new Counter({
    name: 'gridlink_mqtt_refusals_total',
    help: 'Connects, publishes and subscribes the broker refused, by kind and reason code',
    labelNames: ['kind', 'code'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const [key, count] of Object.entries(sources.refusals())) {
        const [kind = '', code = ''] = key.split(':');
        this.inc({ kind, code }, count);
      }
    },
  });
  new Gauge({
    name: 'gridlink_devices',
    help: 'Devices by availability',
    labelNames: ['availability'] as const,
    registers: [register],
    collect() {
      for (const [availability, count] of Object.entries(sources.availability())) this.set({ availability }, count);
    },
  });
  new Counter({
    name: 'gridlink_mqtt_overload_total',
    help: 'Messages dropped or subscribers disconnected to protect the broker, by action',
    labelNames: ['action'] as const,
    registers: [register],
    collect() {
      const o = sources.overload();
      this.reset();
      this.inc({ action: 'qos0_dropped_slow_subscriber' }, o.droppedQoS0);
      this.inc({ action: 'qos0_not_routed_backlog' }, o.shedQoS0);
      this.inc({ action: 'disconnected_backlog' }, o.disconnectedBacklog);
      this.inc({ action: 'disconnected_stalled' }, o.disconnectedStalled);
    },
  });
  new Gauge({
    name: 'gridlink_mqtt_routing_backlog_messages',
    help: 'Messages waiting to be routed to subscribers',
    registers: [register],
    collect() {
      this.set(sources.overload().emitterBacklog);
    },
  });
  if (sources.telemetry) {
    const telemetry = sources.telemetry;
    new Gauge({
      name: 'gridlink_telemetry_queued_points',
      help: 'Points waiting for InfluxDB',
      registers: [register],
      collect() {
        this.set(telemetry().queued);
      },
    });
    new Counter({
      name: 'gridlink_telemetry_points_written_total',
      help: 'Points InfluxDB accepted',
      registers: [register],
      collect() {
        this.reset();
        this.inc(telemetry().written);
      },
    });
    new Counter({
      name: 'gridlink_telemetry_points_dropped_total',
      help: 'Points dropped, by reason (queue_full, rejected)',
      labelNames: ['reason'] as const,
      registers: [register],
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(telemetry().dropped)) this.inc({ reason }, count);
      },
    });
  }
  if (sources.uplink) addUplinkMetrics(register, sources.uplink);
  if (sources.onvif) addOnvifMetrics(register, sources.onvif);
  return register;
}

/** Cameras are few (tens per gateway), so per-camera health carries a `camera` label; events do not. */
function addOnvifMetrics(register: Registry, onvif: () => ReturnType<OnvifModule['stats']>): void {
  const perCamera = (
    name: string,
    help: string,
    value: (camera: ReturnType<OnvifModule['health']>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['camera'] as const,
      registers: [register],
      collect() {
        this.reset();
        for (const camera of onvif().cameras) this.set({ camera: camera.id }, value(camera));
      },
    });
  perCamera('gridlink_onvif_camera_online', 'Camera answers (1) or not (0)', (c) => (c.online ? 1 : 0));
  perCamera('gridlink_onvif_camera_authenticated', 'Camera accepted the credentials (1) or not (0)', (c) =>
    c.authenticated ? 1 : 0,
  );
  perCamera('gridlink_onvif_camera_subscribed', 'Camera event subscription alive (1) or not (0)', (c) =>
    c.subscribed ? 1 : 0,
  );
  perCamera(
    'gridlink_onvif_camera_last_event_timestamp_seconds',
    "Time of the camera's last event (0: none yet)",
    (c) => (c.last_event_at ? Date.parse(c.last_event_at) / 1000 : 0),
  );
  perCamera(
    'gridlink_onvif_camera_clock_offset_seconds',
    'Camera clock minus gateway clock',
    (c) => (c.clock_offset_ms ?? 0) / 1000,
  );
  new Counter({
    name: 'gridlink_onvif_events_total',
    help: 'Camera events delivered, by event type',
    labelNames: ['type'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const [type, count] of Object.entries(onvif().counters.events)) this.inc({ type }, count);
    },
  });
  const counter = (name: string, help: string, value: (stats: ReturnType<OnvifModule['stats']>) => number) =>
    new Counter({
      name,
      help,
      registers: [register],
      collect() {
        this.reset();
        this.inc(value(onvif()));
      },
    });
  counter(
    'gridlink_onvif_notifications_unmapped_total',
    'Camera notifications on topics Gridlink does not map',
    (s) => s.counters.unmapped,
  );
  counter(
    'gridlink_onvif_resubscribes_total',
    'New subscriptions after one was lost or refused renewal',
    (s) => s.counters.resubscribes,
  );
  counter(
    'gridlink_onvif_auth_failures_total',
    'Calls a camera refused for the credentials',
    (s) => s.counters.authFailures,
  );
  counter('gridlink_onvif_snapshots_saved_total', 'Snapshots stored for events', (s) => s.counters.snapshots.saved);
  counter(
    'gridlink_onvif_snapshots_failed_total',
    'Snapshots that could not be fetched',
    (s) => s.counters.snapshots.failed,
  );
  counter(
    'gridlink_onvif_notify_refused_total',
    'Requests to the Notify endpoint refused (unknown path, bad body)',
    (s) => s.notify.refused,
  );
  new Gauge({
    name: 'gridlink_onvif_snapshot_bytes',
    help: 'Disk space stored snapshots use',
    registers: [register],
    collect() {
      this.set(onvif().snapshots.bytes);
    },
  });
}

function addUplinkMetrics(register: Registry, uplink: () => UplinkStats): void {
  const counter = (name: string, help: string, value: (stats: UplinkStats) => number) =>
    new Counter({
      name,
      help,
      registers: [register],
      collect() {
        this.reset();
        this.inc(value(uplink()));
      },
    });
  new Gauge({
    name: 'gridlink_uplink_outbox_events',
    help: 'Events waiting in the outbox, by class (alarm, state, telemetry)',
    labelNames: ['class'] as const,
    registers: [register],
    collect() {
      for (const [name, depth] of Object.entries(uplink().outbox.depth)) this.set({ class: name }, depth);
    },
  });
  new Gauge({
    name: 'gridlink_uplink_outbox_oldest_age_seconds',
    help: 'Age of the oldest waiting event, by class (0 when none waits)',
    labelNames: ['class'] as const,
    registers: [register],
    collect() {
      const now = Date.now();
      for (const [name, at] of Object.entries(uplink().outbox.oldest)) {
        this.set({ class: name }, at === null ? 0 : Math.max(0, (now - at) / 1000));
      }
    },
  });
  new Gauge({
    name: 'gridlink_uplink_outbox_bytes',
    help: 'Disk space the outbox uses',
    registers: [register],
    collect() {
      this.set(uplink().outbox.bytes);
    },
  });
  new Gauge({
    name: 'gridlink_uplink_link_state',
    help: 'The cloud link: 1 for the current state',
    labelNames: ['state'] as const,
    registers: [register],
    collect() {
      const link = uplink().sender.link;
      for (const state of LINK_STATES) this.set({ state }, state === link ? 1 : 0);
    },
  });
  counter('gridlink_uplink_events_sent_total', 'Events the cloud accepted', (s) => s.sender.sent);
  counter(
    'gridlink_uplink_events_duplicate_total',
    'Events the cloud already had (a retry after a lost answer)',
    (s) => s.sender.duplicates,
  );
  counter(
    'gridlink_uplink_retries_total',
    'Failed delivery attempts, each retried after a backoff',
    (s) => s.sender.retries,
  );
  counter(
    'gridlink_uplink_events_quarantined_total',
    'Events the cloud refused as invalid, set aside',
    (s) => s.sender.quarantined,
  );
  counter(
    'gridlink_uplink_telemetry_dropped_total',
    'Telemetry summaries dropped to stay within the outbox quota',
    (s) => s.outbox.dropped,
  );
  counter(
    'gridlink_uplink_events_refused_total',
    'Alarm and state events refused (no PUBACK) because the outbox was full',
    (s) => s.outbox.refused + s.lost,
  );
  counter('gridlink_downlink_messages_total', 'Downlink messages applied', (s) => s.downlink.applied);
  counter('gridlink_downlink_rejected_total', 'Downlink messages rejected with a reason', (s) => s.downlink.rejected);
}
