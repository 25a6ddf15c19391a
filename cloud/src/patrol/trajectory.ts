import simplify from 'simplify-js';

/** One recorded position, as replayed. */
export interface TrackPoint {
  at: Date;
  lon: number;
  lat: number;
  accuracy_m: number;
}

/** A point of the simplified line; `checkin` marks a check-in's own point, which simplification keeps. */
export interface DisplayPoint {
  at: string;
  lon: number;
  lat: number;
  checkin?: true;
}

/** A time without positions longer than the gap threshold: drawn as a break, never bridged. */
export interface TrackGap {
  from: string;
  to: string;
  seconds: number;
}

export interface DisplayTrack {
  /** Polylines between gaps, simplified. */
  segments: DisplayPoint[][];
  gaps: TrackGap[];
  /** Points before and after simplification. */
  recorded: number;
  drawn: number;
}

/** Metres a simplified line may stray from the recorded one: GPS noise on foot is about this. */
export const DISPLAY_TOLERANCE_M = 5;

const METRES_PER_DEGREE = 111_320;

interface Projected {
  x: number;
  y: number;
  point: DisplayPoint;
  keep: boolean;
}

/**
 * The trajectory for a map: cut at every gap (no position for longer than `gapMs`), check-in points
 * woven in at their times, each piece simplified (Douglas–Peucker on a local metric plane) between
 * the check-ins, which are kept as the ends of the pieces they split.
 */
export function displayTrack(
  points: readonly TrackPoint[],
  checkins: readonly { at: Date; lon: number; lat: number }[],
  gapMs: number,
  toleranceM = DISPLAY_TOLERANCE_M,
): DisplayTrack {
  const all = [
    ...points.map((p) => ({ at: p.at, lon: p.lon, lat: p.lat, checkin: false })),
    ...checkins.map((c) => ({ at: c.at, lon: c.lon, lat: c.lat, checkin: true })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const gaps: TrackGap[] = [];
  const pieces: (typeof all)[] = [];
  let current: typeof all = [];
  for (const p of all) {
    const previous = current[current.length - 1];
    if (previous !== undefined && p.at.getTime() - previous.at.getTime() > gapMs) {
      gaps.push({
        from: previous.at.toISOString(),
        to: p.at.toISOString(),
        seconds: Math.round((p.at.getTime() - previous.at.getTime()) / 1000),
      });
      pieces.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length > 0) pieces.push(current);
  const cosLat = Math.cos(((all[0]?.lat ?? 0) * Math.PI) / 180);
  const segments = pieces.map((piece) => {
    const projected: Projected[] = piece.map((p) => ({
      x: p.lon * METRES_PER_DEGREE * cosLat,
      y: p.lat * METRES_PER_DEGREE,
      point: { at: p.at.toISOString(), lon: p.lon, lat: p.lat, ...(p.checkin ? { checkin: true as const } : {}) },
      keep: p.checkin,
    }));
    const out: DisplayPoint[] = [];
    let start = 0;
    for (let i = 1; i <= projected.length - 1; i += 1) {
      if (!projected[i]?.keep && i !== projected.length - 1) continue;
      const run = simplify(projected.slice(start, i + 1), toleranceM, true) as Projected[];
      for (const p of start === 0 ? run : run.slice(1)) out.push(p.point);
      start = i;
    }
    if (projected.length === 1 && projected[0] !== undefined) out.push(projected[0].point);
    return out;
  });
  return { segments, gaps, recorded: all.length, drawn: segments.reduce((n, s) => n + s.length, 0) };
}

/** Metres walked along the recorded points, not across gaps. */
export function walkedMetres(
  points: readonly TrackPoint[],
  gapMs: number,
  distance: (a: TrackPoint, b: TrackPoint) => number,
): number {
  let total = 0;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1];
    const b = points[i];
    if (a === undefined || b === undefined) continue;
    if (b.at.getTime() - a.at.getTime() <= gapMs) total += distance(a, b);
  }
  return total;
}
