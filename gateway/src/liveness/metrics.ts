import { Gauge, type Registry } from 'prom-client';
import type { LivenessTracker } from './tracker.js';

/** Devices by availability (online, offline, unknown). */
export function livenessMetrics(register: Registry, tracker: Pick<LivenessTracker, 'counts'>): void {
  const sources = { availability: () => tracker.counts() };
  new Gauge({
    name: 'gridlink_devices',
    help: 'Devices by availability',
    labelNames: ['availability'] as const,
    registers: [register],
    collect() {
      for (const [availability, count] of Object.entries(sources.availability())) this.set({ availability }, count);
    },
  });
}
