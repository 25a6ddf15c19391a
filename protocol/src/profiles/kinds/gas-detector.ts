import { defineProfile } from '../define.js';
import { choice, common, measure, text, UNITS } from '../fields.js';

const gasType = choice(['natural_gas', 'lpg', 'co', 'h2s'], 'Gas the sensor measures');

/** Combustible or toxic gas detector, often wired to a shut-off valve. */
export const gasDetector = defineProfile({
  kind: 'gas_detector',
  name: { zh: '可燃气体探测器', en: 'Gas detector' },
  heartbeat_s: 3600,
  state: {
    gas_lel: measure(UNITS.percentLel, 'Concentration as % of the lower explosive limit', { min: 0, max: 100 }),
    gas_type: gasType,
    valve: choice(['open', 'closed', 'unknown'], 'Linked shut-off valve position'),
    battery: common.battery,
    rssi: common.rssi,
  },
  events: {
    alarm: {
      name: { zh: '燃气泄漏报警', en: 'Gas alarm' },
      urgent: true,
      fields: {
        gas_lel: measure(UNITS.percentLel, 'Concentration at alarm', { min: 0, max: 100 }),
        gas_type: gasType.optional(),
      },
    },
    alarm_cleared: {
      name: { zh: '报警解除', en: 'Gas alarm cleared' },
      fields: { gas_lel: measure(UNITS.percentLel, 'Concentration at clear', { min: 0, max: 100 }) },
    },
    valve_closed: { name: { zh: '切断阀已关闭', en: 'Shut-off valve closed' }, fields: {} },
    fault: {
      name: { zh: '故障', en: 'Fault' },
      fields: { code: text('Vendor fault code', 32), detail: text('Vendor fault text').optional() },
    },
  },
  commands: {
    valve: {
      name: { zh: '阀门控制', en: 'Shut-off valve' },
      fields: { valve: choice(['close', 'open'], 'Drive the linked valve') },
    },
  },
  examples: {
    state: [{ gas_lel: 0, gas_type: 'natural_gas', valve: 'open', battery: 100 }],
    events: {
      alarm: [{ ts: '2026-11-25T14:52:18.646Z', gas_lel: 25, gas_type: 'natural_gas' }],
      alarm_cleared: [{ ts: '2026-11-25T15:10:00.000Z', gas_lel: 3 }],
      valve_closed: [{ ts: '2026-11-25T14:52:19.100Z' }],
      fault: [{ ts: '2026-11-25T09:00:00.000Z', code: 'SENSOR_EOL' }],
    },
    commands: { valve: [{ valve: 'close' }] },
  },
});
