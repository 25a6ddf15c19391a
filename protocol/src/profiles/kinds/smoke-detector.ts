import { defineProfile } from '../define.js';
import { choice, common, flag, measure, text, UNITS } from '../fields.js';

/** Independent photoelectric smoke detector (NB-IoT / LoRa / Zigbee), the most common fire sensor. */
export const smokeDetector = defineProfile({
  kind: 'smoke_detector',
  name: { zh: '独立式烟感探测器', en: 'Smoke detector' },
  heartbeat_s: 3600,
  state: {
    smoke: flag('Smoke is being detected now'),
    smoke_density: measure(UNITS.dbPerMetre, 'Obscuration measured by the chamber', { min: 0, max: 10 }),
    temperature: measure(UNITS.celsius, 'Ambient temperature', { min: -40, max: 125 }),
    battery: common.battery,
    rssi: common.rssi,
    tamper: common.tamper,
  },
  events: {
    alarm: {
      name: { zh: '烟雾报警', en: 'Smoke alarm' },
      urgent: true,
      fields: { smoke_density: measure(UNITS.dbPerMetre, 'Obscuration at alarm', { min: 0, max: 10 }).optional() },
    },
    alarm_cleared: { name: { zh: '报警解除', en: 'Smoke alarm cleared' }, fields: {} },
    self_test: {
      name: { zh: '自检', en: 'Self-test' },
      fields: { result: choice(['pass', 'fail'], 'Outcome of the button-triggered self-test') },
    },
    fault: {
      name: { zh: '故障', en: 'Fault' },
      fields: { code: text('Vendor fault code', 32), detail: text('Vendor fault text').optional() },
    },
    tamper: { name: { zh: '防拆报警', en: 'Tamper' }, fields: {} },
  },
  commands: {
    silence: {
      name: { zh: '消音', en: 'Silence the sounder' },
      fields: { silence: flag('true silences the local sounder; the alarm itself stays active') },
    },
  },
  examples: {
    state: [{ smoke: false, smoke_density: 0.02, temperature: 21.5, battery: 88, rssi: -87 }],
    events: {
      alarm: [{ ts: '2026-11-25T14:52:18.646Z', smoke_density: 0.31 }, { ts: '2026-11-25T14:52:18.646Z' }],
      alarm_cleared: [{ ts: '2026-11-25T14:58:02.000Z' }],
      self_test: [{ ts: '2026-11-25T09:00:00.000Z', result: 'pass' }],
      fault: [{ ts: '2026-11-25T09:00:00.000Z', code: 'E03', detail: 'chamber dirty' }],
      tamper: [{ ts: '2026-11-25T09:00:00.000Z' }],
    },
    commands: { silence: [{ silence: true }] },
  },
});
