import { defineProfile } from '../define.js';
import { common, flag, measure, UNITS } from '../fields.js';

const tilt = measure(UNITS.degree, 'Cover tilt from horizontal', { min: 0, max: 180 });

/** Manhole cover monitor: tilt/open sensing, optionally the water level below. */
export const manholeCover = defineProfile({
  kind: 'manhole_cover',
  name: { zh: '智能井盖', en: 'Manhole cover monitor' },
  heartbeat_s: 3600,
  state: {
    tilt,
    open: flag('Cover lifted or displaced'),
    water_level: measure(UNITS.centimetre, 'Water level below the cover', { min: 0, max: 1000 }),
    battery: common.battery,
    rssi: common.rssi,
  },
  events: {
    tilted: { urgent: true, name: { zh: '井盖倾斜', en: 'Cover tilted' }, fields: { tilt } },
    opened: { urgent: true, name: { zh: '井盖开启', en: 'Cover opened' }, fields: {} },
    closed: { name: { zh: '井盖复位', en: 'Cover back in place' }, fields: {} },
    overflow: {
      name: { zh: '井下水位超限', en: 'Water level high' },
      urgent: true,
      fields: { water_level: measure(UNITS.centimetre, 'Level at alarm', { min: 0, max: 1000 }) },
    },
  },
  commands: {},
  examples: {
    state: [{ tilt: 0.8, open: false, water_level: 35, battery: 67 }],
    events: {
      tilted: [{ ts: '2026-11-25T02:10:04.120Z', tilt: 23.5 }],
      opened: [{ ts: '2026-11-25T02:10:05.000Z' }],
      closed: [{ ts: '2026-11-25T05:00:00.000Z' }],
      overflow: [{ ts: '2026-11-25T05:00:00.000Z', water_level: 180 }],
    },
    commands: {},
  },
});
