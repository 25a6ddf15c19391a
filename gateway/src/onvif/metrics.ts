import { Counter, Gauge, type Registry } from 'prom-client';
import type { OnvifModule } from './onvif-module.js';

type OnvifStats = ReturnType<OnvifModule['stats']>;

/** Cameras are few (tens per gateway), so per-camera health carries a `camera` label; events do not. */
export function onvifMetrics(register: Registry, onvif: () => OnvifStats): void {
  const perCamera = (name: string, help: string, value: (camera: OnvifStats['cameras'][number]) => number) =>
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
  const counter = (name: string, help: string, value: (stats: OnvifStats) => number) =>
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
