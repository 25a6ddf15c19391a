import { defineProfile } from '../define.js';
import { common, measure, UNITS } from '../fields.js';

/** Temperature and humidity sensor (pump rooms, distribution rooms, archives). */
export const tempHumidity = defineProfile({
  kind: 'temp_humidity',
  name: { zh: '温湿度传感器', en: 'Temperature / humidity sensor' },
  heartbeat_s: 1800,
  state: {
    temperature: measure(UNITS.celsius, 'Air temperature', { min: -40, max: 85 }),
    humidity: measure(UNITS.relativeHumidity, 'Relative humidity', { min: 0, max: 100 }),
    battery: common.battery,
    rssi: common.rssi,
  },
  events: {},
  commands: {},
  examples: {
    state: [{ temperature: 21.5, humidity: 48.2, battery: 88 }, { temperature: -3.25 }],
    events: {},
    commands: {},
  },
});
