import { Counter, Gauge, type Registry } from 'prom-client';
import type { OverloadStats } from './overload/harden.js';

/** What the broker and the devices' ingest path count, read at scrape time. */
export interface BrokerMetricSources {
  clients(): number;
  messages(): { valid: number; invalid: number };
  refusals(): Record<string, number>;
  overload(): Pick<
    OverloadStats,
    'droppedQoS0' | 'disconnectedBacklog' | 'disconnectedStalled' | 'shedQoS0' | 'emitterBacklog' | 'inbound'
  >;
}

/** The broker's metrics: clients, messages by validation result, refusals, overload protection. */
export function brokerMetrics(register: Registry, sources: BrokerMetricSources): void {
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
  new Gauge({
    name: 'gridlink_mqtt_inbound_inflight_packets',
    help: 'Packets from signed-in clients being handled now (bounded by mqtt.limits.max_inflight_inbound)',
    registers: [register],
    collect() {
      this.set(sources.overload().inbound.inflight);
    },
  });
  new Gauge({
    name: 'gridlink_mqtt_inbound_waiting_clients',
    help: 'Clients whose packets wait in their sockets for the broker to have room',
    registers: [register],
    collect() {
      this.set(sources.overload().inbound.waiting);
    },
  });
  new Counter({
    name: 'gridlink_mqtt_inbound_waits_total',
    help: 'Times a client found the broker full and waited for its turn',
    registers: [register],
    collect() {
      this.reset();
      this.inc(sources.overload().inbound.waited);
    },
  });
}
