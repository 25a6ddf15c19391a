import { defineProfile } from '../define.js';
import { choice, common } from '../fields.js';

/**
 * Magnetic door contact. On an elderly resident's front door, "never opened for 48 h" is a
 * welfare signal, so every open and close is an event.
 */
export const doorContact = defineProfile({
  kind: 'door_contact',
  name: { zh: '门磁', en: 'Door contact' },
  heartbeat_s: 3600,
  state: {
    contact: choice(['open', 'closed'], 'Door position'),
    battery: common.battery,
    rssi: common.rssi,
    tamper: common.tamper,
  },
  events: {
    opened: { name: { zh: '门开', en: 'Opened' }, fields: {} },
    closed: { name: { zh: '门关', en: 'Closed' }, fields: {} },
    tamper: { name: { zh: '防拆报警', en: 'Tamper' }, fields: {} },
  },
  commands: {},
  examples: {
    state: [{ contact: 'closed', battery: 80 }],
    events: {
      opened: [{ ts: '2026-11-25T07:31:02.000Z' }],
      closed: [{ ts: '2026-11-25T07:31:09.000Z' }],
      tamper: [{ ts: '2026-11-25T07:31:09.000Z' }],
    },
    commands: {},
  },
});
