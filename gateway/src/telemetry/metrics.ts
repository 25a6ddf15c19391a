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
