import { Counter, Gauge, type Registry } from 'prom-client';
import type { UplinkModule } from './uplink-module.js';

type UplinkStats = ReturnType<UplinkModule['stats']>;
const LINK_STATES = ['connecting', 'online', 'offline', 'unauthorized'] as const;

/** The outbox by class, the cloud link, deliveries and downlink commands. */
export function uplinkMetrics(register: Registry, uplink: () => UplinkStats): void {
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
