import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../territory/gcj02.js';
import { checkBatch } from './ingest.js';
import { DEFAULT_PATROL_SETTINGS } from './settings.js';

const now = new Date('2026-11-25T02:00:00Z');
const ctx = {
  now,
  sentAt: now,
  startedAt: new Date('2026-11-25T01:00:00Z'),
  endedAt: null,
  settings: DEFAULT_PATROL_SETTINGS,
};
const iso = (offsetS: number, base = now) => new Date(base.getTime() + offsetS * 1000).toISOString();

describe('checking a batch of positions', () => {
  it('converts GCJ-02 fixes to WGS-84 and keeps the accuracy', () => {
    const wgs = { lon: 119.141, lat: 33.501 };
    const gcj = wgs84ToGcj02(wgs);
    const { accepted } = checkBatch([{ at: iso(-5), ...gcj, accuracy_m: 12.5, crs: 'gcj02' }], ctx);
    expect(accepted[0]?.lon).toBeCloseTo(wgs.lon, 5);
    expect(accepted[0]?.lat).toBeCloseTo(wgs.lat, 5);
    expect(accepted[0]?.accuracy_m).toBe(12.5);
  });

  it('allows a small clock skew as sent, corrects an offset of hours and says by how much', () => {
    const skewed = checkBatch([{ at: iso(60), lon: 119.141, lat: 33.501, accuracy_m: 5 }], {
      ...ctx,
      sentAt: new Date(now.getTime() + 60_000),
    });
    expect(skewed).toMatchObject({ clock_corrected: false, clock_offset_ms: -60_000 });
    expect(skewed.accepted[0]?.at.toISOString()).toBe(iso(60));
    const phone = new Date(now.getTime() + 8 * 3_600_000);
    const off = checkBatch([{ at: iso(-10, phone), lon: 119.141, lat: 33.501, accuracy_m: 5 }], {
      ...ctx,
      sentAt: phone,
    });
    expect(off).toMatchObject({ clock_corrected: true, clock_offset_ms: -8 * 3_600_000, refused: [] });
    expect(off.accepted[0]?.at.toISOString()).toBe(iso(-10));
  });

  it('refuses fixes after the patrol ended and older than the retention', () => {
    const ended = checkBatch(
      [
        { at: iso(-1000), lon: 119.141, lat: 33.501, accuracy_m: 5 },
        { at: iso(-40 * 86_400), lon: 119.141, lat: 33.501, accuracy_m: 5 },
      ],
      { ...ctx, endedAt: new Date(now.getTime() - 2000 * 1000) },
    );
    expect(ended.refused.map((r) => r.code)).toEqual(['time_after_end', 'time_too_old']);
  });
});
