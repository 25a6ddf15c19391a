import { describe, expect, it } from 'vitest';
import { type LonLat, walkRoute } from './walk.js';

/** Four checkpoints ~150 m apart around a block in Huai'an (WGS-84). */
const ROUTE: LonLat[] = [
  { lon: 119.0153, lat: 33.6104 },
  { lon: 119.0169, lat: 33.6104 },
  { lon: 119.0169, lat: 33.6118 },
  { lon: 119.0153, lat: 33.6118 },
];
const START = new Date('2026-12-04T01:00:00Z');

function metres(a: LonLat, b: LonLat): number {
  const dy = (b.lat - a.lat) * 111_320;
  const dx = (b.lon - a.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

describe('a simulated grid worker walking a route', () => {
  it('is the same walk for the same seed, and another for another seed', () => {
    const a = walkRoute({ route: ROUTE, start: START, intervalS: 10, seed: 7 });
    const b = walkRoute({ route: ROUTE, start: START, intervalS: 10, seed: 7 });
    const c = walkRoute({ route: ROUTE, start: START, intervalS: 10, seed: 8 });
    expect(b).toEqual(a);
    expect(c.fixes[3]).not.toEqual(a.fixes[3]);
  });

  it('sends a fix every interval, in time order, near the route, each with its accuracy', () => {
    const walk = walkRoute({ route: ROUTE, start: START, intervalS: 10, seed: 1 });
    const times = walk.fixes.map((fix) => fix.time.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(10_000);
    for (const fix of walk.fixes) {
      expect(fix.accuracy).toBeGreaterThanOrEqual(3);
      // Noise is drawn around the accuracy: no fix is absurdly far from every checkpoint leg's box.
      expect(Math.min(...ROUTE.map((p) => metres(p, fix)))).toBeLessThan(200);
    }
    // ~450 m at 1.3 m/s plus 4 × 30 s of dwelling.
    const seconds = (walk.end.getTime() - START.getTime()) / 1000;
    expect(seconds).toBeGreaterThan(400);
    expect(seconds).toBeLessThan(600);
  });

  it('stands at every checkpoint in order, dwelling there', () => {
    const walk = walkRoute({ route: ROUTE, start: START, intervalS: 5, seed: 2, dwellS: 40 });
    expect(walk.arrivals.map((a) => a.checkpoint)).toEqual([0, 1, 2, 3]);
    for (const [i, arrival] of walk.arrivals.entries()) expect(metres(arrival, ROUTE[i] as LonLat)).toBeLessThan(0.01);
    const during = walk.fixes.filter(
      (fix) =>
        fix.time.getTime() >= (walk.arrivals[1] as { time: Date }).time.getTime() &&
        fix.time.getTime() <= (walk.arrivals[1] as { time: Date }).time.getTime() + 40_000,
    );
    for (const fix of during) expect(metres(fix, ROUTE[1] as LonLat)).toBeLessThan(40);
  });

  it('goes silent while the signal is lost, leaving a gap longer than the interval', () => {
    const walk = walkRoute({
      route: ROUTE,
      start: START,
      intervalS: 10,
      seed: 3,
      signalLoss: { atFraction: 0.4, seconds: 120 },
    });
    expect(walk.lost).toBe(12);
    const gaps = walk.fixes
      .slice(1)
      .map((fix, i) => fix.time.getTime() - (walk.fixes[i] as { time: Date }).time.getTime());
    expect(gaps.filter((gap) => gap > 10_000)).toEqual([130_000]);
  });

  it('leaves a skipped checkpoint out, never coming within the miss distance of it', () => {
    const walk = walkRoute({
      route: ROUTE,
      start: START,
      intervalS: 5,
      seed: 4,
      skipCheckpoint: 2,
      missDistanceM: 60,
      noiseM: 4,
    });
    expect(walk.missed).toEqual([2]);
    expect(walk.arrivals.map((a) => a.checkpoint)).toEqual([0, 1, 3]);
    // Noise may pull a fix a few metres in; the walked line itself stays ≥ 60 m away.
    for (const fix of walk.fixes) expect(metres(fix, ROUTE[2] as LonLat)).toBeGreaterThan(40);
  });

  it('refuses a route with no checkpoints and an interval that is not positive', () => {
    expect(() => walkRoute({ route: [], start: START, intervalS: 10, seed: 1 })).toThrow(/no checkpoints/);
    expect(() => walkRoute({ route: ROUTE, start: START, intervalS: 0, seed: 1 })).toThrow(/intervalS/);
  });
});
