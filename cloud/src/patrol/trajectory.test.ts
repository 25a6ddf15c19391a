import { describe, expect, it } from 'vitest';
import { distanceMetres } from '../territory/gcj02.js';
import { displayTrack, type TrackPoint, walkedMetres } from './trajectory.js';

const start = Date.parse('2026-11-25T01:00:00Z');
/** A walk east along a street, a fix every 10 s with ±2 m of seeded noise. */
function walk(from: number, count: number, lat = 33.501): TrackPoint[] {
  let seed = 7;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647 - 0.5) * 4e-5;
  };
  return Array.from({ length: count }, (_, i) => ({
    at: new Date(start + (from + i) * 10_000),
    lon: 119.14 + (from + i) * 1.2e-4,
    lat: lat + noise() / 2,
    accuracy_m: 8,
  }));
}

describe('a trajectory for display', () => {
  it('simplifies a straight walk to a few points, keeping every check-in point', () => {
    const points = walk(0, 60);
    const checkin = { at: new Date(start + 305_000), lon: 119.14366, lat: 33.50102 };
    const track = displayTrack(points, [checkin], 30_000);
    expect(track.gaps).toEqual([]);
    expect(track.segments).toHaveLength(1);
    expect(track.drawn).toBeLessThan(track.recorded / 4);
    expect(track.segments[0]?.filter((p) => p.checkin)).toEqual([
      { at: checkin.at.toISOString(), lon: checkin.lon, lat: checkin.lat, checkin: true },
    ]);
    expect(track.segments[0]?.[0]?.at).toBe(points[0]?.at.toISOString());
    expect(track.segments[0]?.at(-1)?.at).toBe(points.at(-1)?.at.toISOString());
  });

  it('cuts at a gap longer than the threshold instead of bridging it', () => {
    const points = [...walk(0, 10), ...walk(40, 10)];
    const track = displayTrack(points, [], 30_000);
    expect(track.segments).toHaveLength(2);
    expect(track.gaps).toEqual([{ from: points[9]?.at.toISOString(), to: points[10]?.at.toISOString(), seconds: 310 }]);
    const across = walkedMetres(points, 30_000, distanceMetres);
    const within = walkedMetres(walk(0, 10), 30_000, distanceMetres) * 2;
    expect(Math.abs(across - within)).toBeLessThan(5);
  });

  it('draws a lone point as a segment of one', () => {
    expect(displayTrack(walk(0, 1), [], 30_000).segments).toEqual([
      [{ at: new Date(start).toISOString(), lon: 119.14, lat: expect.any(Number) }],
    ]);
  });
});
