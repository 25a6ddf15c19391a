import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Values the gateway's modules expose; read at scrape time, so the hot path pays nothing. */
export interface MetricSources {
  clients(): number;
  messages(): { valid: number; invalid: number };
  refusals(): Record<string, number>;
  availability(): { online: number; offline: number; unknown: number };
  telemetry?(): { queued: number; written: number; dropped: Record<string, number> };
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
  return register;
}
