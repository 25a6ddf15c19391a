import { defineProfile } from '../define.js';
import { choice, measure, text, UNITS } from '../fields.js';

/** The community gateway itself, described like any device so the cloud can list and watch it. */
export const gateway = defineProfile({
  kind: 'gateway',
  name: { zh: '社区边缘网关', en: 'Community gateway' },
  heartbeat_s: 60,
  state: {
    version: text('Gateway software version', 32),
    uptime_s: measure(UNITS.second, 'Seconds since start', { min: 0 }),
    clients: measure(UNITS.count, 'Connected MQTT clients', { min: 0, integer: true }),
    outbox_depth: measure(UNITS.count, 'Events waiting for the cloud', { min: 0, integer: true }),
    cloud: choice(['connected', 'disconnected', 'disabled'], 'Uplink state'),
    disk_free: measure(UNITS.byte, 'Free bytes on the data volume', { min: 0, integer: true }),
  },
  events: {
    started: { name: { zh: '网关启动', en: 'Gateway started' }, fields: { version: text('Software version', 32) } },
    stopping: { name: { zh: '网关停止', en: 'Gateway stopping' }, fields: { reason: text('Why', 128) } },
    disk_low: {
      name: { zh: '磁盘空间不足', en: 'Disk space low' },
      fields: { disk_free: measure(UNITS.byte, 'Free bytes', { min: 0, integer: true }) },
    },
  },
  commands: {},
  examples: {
    state: [
      {
        version: '0.1.0',
        uptime_s: 3600,
        clients: 412,
        outbox_depth: 0,
        cloud: 'connected',
        disk_free: 52_000_000_000,
      },
    ],
    events: {
      started: [{ ts: '2026-11-25T00:00:00.000Z', version: '0.1.0' }],
      stopping: [{ ts: '2026-11-25T00:00:00.000Z', reason: 'SIGTERM' }],
      disk_low: [{ ts: '2026-11-25T00:00:00.000Z', disk_free: 100_000_000 }],
    },
    commands: {},
  },
});
