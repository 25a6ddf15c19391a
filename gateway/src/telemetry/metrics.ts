import { Counter, Gauge, type Registry } from 'prom-client';
import type { TelemetryStats } from './pipeline.js';

/** Points queued for, written to and dropped on the way to InfluxDB. */
export function telemetryMetrics(register: Registry, telemetry: () => TelemetryStats): void {
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
  new Gauge({
    name: 'gridlink_telemetry_influxdb_connected',
    help: 'InfluxDB answered the last write (1) or not (0: down, slow or unreachable; points queue)',
    registers: [register],
    collect() {
      this.set(telemetry().connected ? 1 : 0);
    },
  });
  new Counter({
    name: 'gridlink_telemetry_write_failures_total',
    help: 'Writes to InfluxDB that failed and will be retried (down, slow, refusing)',
    registers: [register],
    collect() {
      this.reset();
      this.inc(telemetry().failures);
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
