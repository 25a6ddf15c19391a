import { defineProfile } from '../define.js';
import { common, flag } from '../fields.js';

/** Water leak (flood) probe in pump rooms, basements and kitchens. */
export const waterLeak = defineProfile({
  kind: 'water_leak',
  name: { zh: '水浸传感器', en: 'Water leak sensor' },
  heartbeat_s: 3600,
  state: { leak: flag('Water is touching the probe'), battery: common.battery, rssi: common.rssi },
  events: {
    leak: { urgent: true, name: { zh: '水浸报警', en: 'Leak detected' }, fields: {} },
    leak_cleared: { name: { zh: '水浸解除', en: 'Leak cleared' }, fields: {} },
    tamper: { name: { zh: '防拆报警', en: 'Tamper' }, fields: {} },
  },
  commands: {},
  examples: {
    state: [{ leak: false, battery: 73 }],
    events: {
      leak: [{ ts: '2026-11-25T03:12:00.000Z' }],
      leak_cleared: [{ ts: '2026-11-25T04:40:00.000Z' }],
      tamper: [{ ts: '2026-11-25T04:40:00.000Z' }],
    },
    commands: {},
  },
});
