import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS } from './index.js';
import { READING_NAMES, readingFields } from './readings.js';

describe('reading fields', () => {
  it('are the numeric state fields of a profile, with their unit, battery and signal left to health', () => {
    expect(readingFields('temp_humidity')).toEqual([
      { field: 'temperature', name: { zh: '温度', en: 'Temperature' }, unit: '°C' },
      { field: 'humidity', name: { zh: '湿度', en: 'Humidity' }, unit: '%RH' },
    ]);
    expect(readingFields('hydrant_pressure').map((f) => [f.field, f.unit])).toEqual([['pressure', 'kPa']]);
    expect(readingFields('door_contact')).toEqual([]);
  });

  it('each have a zh-CN and an English name', () => {
    for (const kind of DEVICE_KINDS) {
      for (const { field } of readingFields(kind)) {
        expect(READING_NAMES[field], `${kind}.${field} needs a name in READING_NAMES`).toBeDefined();
      }
    }
  });
});
