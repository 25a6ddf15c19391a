import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { GatewayBus } from '../bus.js';
import type { GatewayModule } from '../modules/gateway-module.js';

/**
 * Prometheus metrics (conventions: prefix `gridlink_`, base units, counters end in `_total`, no
 * per-device or per-person labels). One registry per gateway, so tests can run several. Each module
 * registers its own (read at scrape time, so the hot path pays nothing); the gateway adds Node's
 * and the bus's.
 */
export function createMetrics(modules: readonly GatewayModule[], bus: Pick<GatewayBus, 'listenerErrors'>): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'gridlink_gateway_' });
  const sources = { busListenerErrors: () => bus.listenerErrors() };
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
  for (const module of modules) module.metrics?.(register);
  return register;
}
