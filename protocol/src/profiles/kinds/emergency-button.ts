import { defineProfile } from '../define.js';
import { choice, common } from '../fields.js';

/** Panic / SOS button (elderly homes, lifts, guard rooms). */
export const emergencyButton = defineProfile({
  kind: 'emergency_button',
  name: { zh: '紧急呼叫按钮', en: 'Emergency button' },
  heartbeat_s: 3600,
  state: { battery: common.battery, rssi: common.rssi },
  events: {
    pressed: {
      name: { zh: '紧急呼叫', en: 'Pressed' },
      urgent: true,
      fields: { press: choice(['single', 'double', 'long'], 'How the button was pressed') },
    },
    cancelled: { name: { zh: '呼叫取消', en: 'Call cancelled' }, fields: {} },
  },
  commands: {},
  examples: {
    state: [{ battery: 99 }],
    events: {
      pressed: [{ ts: '2026-11-25T22:05:00.000Z', press: 'long' }],
      cancelled: [{ ts: '2026-11-25T22:06:00.000Z' }],
    },
    commands: {},
  },
});
