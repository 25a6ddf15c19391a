import { defineProfile } from '../define.js';
import { choice, common, measure, UNITS } from '../fields.js';

const pressure = measure(UNITS.kilopascal, 'Water pressure', { min: 0, max: 2500 });

/** Pressure monitor on a fire hydrant or sprinkler riser (消防栓/喷淋水压). */
export const hydrantPressure = defineProfile({
  kind: 'hydrant_pressure',
  name: { zh: '消防水压监测', en: 'Hydrant / sprinkler pressure' },
  heartbeat_s: 1800,
  state: {
    pressure,
    system: choice(['hydrant', 'sprinkler'], 'Which water system the sensor is on'),
    battery: common.battery,
    rssi: common.rssi,
  },
  events: {
    pressure_low: {
      name: { zh: '水压过低', en: 'Pressure low' },
      urgent: true,
      fields: { pressure, threshold: measure(UNITS.kilopascal, 'Configured low threshold', { min: 0, max: 2500 }) },
    },
    pressure_high: {
      name: { zh: '水压过高', en: 'Pressure high' },
      fields: { pressure, threshold: measure(UNITS.kilopascal, 'Configured high threshold', { min: 0, max: 2500 }) },
    },
    pressure_restored: { name: { zh: '水压恢复', en: 'Pressure back in range' }, fields: { pressure } },
    tamper: { name: { zh: '防拆/撞击', en: 'Tamper or impact' }, fields: {} },
  },
  commands: {},
  examples: {
    state: [{ pressure: 320, system: 'hydrant', battery: 95 }],
    events: {
      pressure_low: [{ ts: '2026-11-25T06:00:00.000Z', pressure: 95, threshold: 150 }],
      pressure_high: [{ ts: '2026-11-25T06:00:00.000Z', pressure: 1250, threshold: 1200 }],
      pressure_restored: [{ ts: '2026-11-25T07:00:00.000Z', pressure: 310 }],
      tamper: [{ ts: '2026-11-25T07:00:00.000Z' }],
    },
    commands: {},
  },
});
