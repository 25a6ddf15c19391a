import { defineProfile } from '../define.js';
import { choice, common, measure, UNITS } from '../fields.js';

/**
 * Smart water meter. Its readings also feed welfare rules for elderly residents living alone
 * ("no water use in 12 h"), so the interval volume is an event, not only state.
 */
export const waterMeter = defineProfile({
  kind: 'water_meter',
  name: { zh: '智能水表', en: 'Water meter' },
  heartbeat_s: 3600,
  state: {
    total_volume: measure(UNITS.litre, 'Cumulative register', { min: 0 }),
    flow_rate: measure(UNITS.litrePerMinute, 'Instantaneous flow', { min: 0, max: 1000 }),
    valve: choice(['open', 'closed', 'unknown'], 'Built-in valve position'),
    battery: common.battery,
    rssi: common.rssi,
  },
  events: {
    reading: {
      name: { zh: '周期抄表', en: 'Periodic reading' },
      fields: {
        total_volume: measure(UNITS.litre, 'Cumulative register', { min: 0 }),
        interval_volume: measure(UNITS.litre, 'Volume used since the previous reading', { min: 0 }),
        interval_s: measure(UNITS.second, 'Length of that interval', { min: 1, integer: true }),
      },
    },
    continuous_flow: {
      name: { zh: '持续用水(疑似漏水)', en: 'Continuous flow (suspected leak)' },
      fields: { duration_s: measure(UNITS.second, 'How long flow has not stopped', { min: 0, integer: true }) },
    },
    reverse_flow: { name: { zh: '倒流', en: 'Reverse flow' }, fields: {} },
    tamper: { name: { zh: '防拆/磁干扰', en: 'Tamper or magnetic interference' }, fields: {} },
  },
  commands: {
    valve: { name: { zh: '阀门控制', en: 'Valve' }, fields: { valve: choice(['close', 'open'], 'Drive the valve') } },
  },
  examples: {
    state: [{ total_volume: 183402.5, flow_rate: 0, valve: 'open', battery: 91 }],
    events: {
      reading: [{ ts: '2026-11-25T12:00:00.000Z', total_volume: 183402.5, interval_volume: 36.2, interval_s: 3600 }],
      continuous_flow: [{ ts: '2026-11-25T12:00:00.000Z', duration_s: 14400 }],
      reverse_flow: [{ ts: '2026-11-25T12:00:00.000Z' }],
      tamper: [{ ts: '2026-11-25T12:00:00.000Z' }],
    },
    commands: { valve: [{ valve: 'close' }] },
  },
});
