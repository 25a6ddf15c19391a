import { describe, expect, it } from 'vitest';
import { deviceReading } from './device-reading.js';
import { applyMapping, type IngestSettings, ingestSettings } from './reading-mapping.js';

const NOW = new Date('2026-12-06T08:00:00.000Z');

function settings(def: { kind: string; message?: string; mapping: unknown; tsFrom?: string }): IngestSettings {
  const checked = ingestSettings({ ...def, mapping: JSON.stringify(def.mapping) });
  if (!checked.ok) throw new Error(checked.reason);
  return checked.settings;
}

describe('a reading mapped to a profile', () => {
  it('takes paths into objects and arrays, converts linearly and by table', () => {
    const meter = settings({
      kind: 'water_meter',
      mapping: {
        total_volume: { from: 'regs[0]', scale: 0.1, offset: 100 },
        valve: { from: 'regs.1', values: { '0': 'closed', '1': 'open' } },
        battery: { from: 'battery', optional: true },
      },
    });
    expect(applyMapping(meter, { regs: [215, 1] }, NOW)).toEqual({
      ok: true,
      fields: { total_volume: 121.5, valve: 'open' },
    });
    const unknownCode = applyMapping(meter, { regs: [215, 7] }, NOW);
    expect(!unknownCode.ok && unknownCode.error.message).toBe(
      'reading: valve: expected one of 0, 1 at regs.1, received 7',
    );
    const notNumber = applyMapping(meter, { regs: ['lots', 1] }, NOW);
    expect(!notNumber.ok && notNumber.error.message).toBe(
      'reading: total_volume: expected a number at regs[0], received "lots"',
    );
  });

  it("gives an event its time from the reading, or the arrival's", () => {
    const reading = settings({
      kind: 'water_meter',
      message: 'event:continuous_flow',
      mapping: { duration_s: 'd' },
      tsFrom: 'at',
    });
    expect(applyMapping(reading, { d: 60, at: 1_765_008_000_000 }, NOW)).toEqual({
      ok: true,
      fields: { duration_s: 60, ts: '2025-12-06T08:00:00.000Z' },
    });
    const bad = applyMapping(reading, { d: 60, at: 'yesterday' }, NOW);
    expect(!bad.ok && bad.error.message).toMatch(/^reading: ts: expected an ISO 8601 time or epoch milliseconds at at/);
    const arrival = settings({ kind: 'water_meter', message: 'event:tamper', mapping: {} });
    expect(applyMapping(arrival, {}, NOW)).toEqual({ ok: true, fields: { ts: NOW.toISOString() } });
  });

  it('is validated by the profile, as the gateway validates a device', () => {
    const sensor = settings({ kind: 'temp_humidity', mapping: { temperature: 't' } });
    const ok = deviceReading(sensor, 'th-1', 'gridlink', { t: 21.5 }, NOW);
    expect(ok).toEqual({
      ok: true,
      reading: { topic: 'gridlink/th-1', body: '{"temperature":21.5}', fields: { temperature: 21.5 } },
    });
    const hot = deviceReading(sensor, 'th-1', 'gridlink', { t: 500 }, NOW);
    expect(!hot.ok && hot.error.message).toMatch(/^gridlink\/th-1: temperature: /);
    const empty = deviceReading(sensor, 'th-1', 'gridlink', 42, NOW);
    expect(!empty.ok && empty.error.message).toBe(
      'msg.payload must be a reading (an object, an array of registers or JSON text), not number',
    );
  });
});

describe("an ingest node's settings", () => {
  it('name what is wrong and what the profile offers', () => {
    expect(ingestSettings({ kind: 'toaster', mapping: '{}' })).toEqual({
      ok: false,
      reason: 'kind "toaster" is no device kind: choose one',
    });
    expect(ingestSettings({ kind: 'water_meter', message: 'event:flood', mapping: '{}' })).toEqual({
      ok: false,
      reason:
        'message: a water_meter has no event "flood"; choose state, event:reading, event:continuous_flow, event:reverse_flow, event:tamper',
    });
    expect(ingestSettings({ kind: 'temp_humidity', mapping: '{}' })).toEqual({
      ok: false,
      reason: 'mapping: map at least one of temperature, humidity, battery, rssi',
    });
    const notJson = ingestSettings({ kind: 'temp_humidity', mapping: 'temperature=t' });
    expect(!notJson.ok && notJson.reason).toMatch(
      /^mapping: .*invalid JSON.*: write it as \{"field": "path in the reading"\}$/,
    );
    const badSource = ingestSettings({ kind: 'temp_humidity', mapping: '{"temperature":{"from":"t","scale":"x"}}' });
    expect(!badSource.ok && badSource.reason).toMatch(/^mapping: temperature/);
  });
});
