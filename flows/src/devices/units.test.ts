import { describe, expect, it } from 'vitest';
import { unitsOf } from './units.js';

describe('unitsOf', () => {
  it('gives the unit of each state field present that has one, from the kind’s profile', () => {
    expect(unitsOf('temp_humidity', { temperature: 21.5, humidity: 40 })).toEqual({
      temperature: '°C',
      humidity: '%RH',
    });
    expect(unitsOf('water_meter', { valve: 'open', total_volume: 3 })).toEqual({ total_volume: 'L' });
  });

  it('reads event fields from that event, optional ones included', () => {
    expect(unitsOf('smoke_detector', { ts: '2026-12-06T08:00:00.000Z', smoke_density: 0.3 }, 'alarm')).toEqual({
      smoke_density: 'dB/m',
    });
    expect(unitsOf('water_meter', { ts: '2026-12-06T08:00:00.000Z' }, 'tamper')).toEqual({});
  });
});
