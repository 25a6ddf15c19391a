import { gaussian, type Random, seededRandom } from '../random.js';

/** A point on the ground, WGS-84 degrees. */
export interface LonLat {
  lon: number;
  lat: number;
}

/** One position as a phone reports it: where it thinks it is, how sure it is, when. */
export interface Fix extends LonLat {
  time: Date;
  /** Radius in metres the phone gives for 68 % confidence, as the Geolocation API's `accuracy`. */
  accuracy: number;
}

/** The walker stood at a checkpoint: where a check-in belongs. */
export interface Arrival extends LonLat {
  checkpoint: number;
  time: Date;
  /** The fresh position the phone takes for the check-in; none while the signal is lost. */
  fix?: Fix;
}

export interface WalkOptions {
  /** The route's checkpoints in walking order. */
  route: readonly LonLat[];
  start: Date;
  /** Seconds between positions the phone sends while the signal holds. */
  intervalS: number;
  seed: number;
  /** Walking pace; 1.3 m/s is an unhurried adult. */
  speedMps?: number;
  /** Standard deviation of GPS error in metres (the fix's accuracy is drawn around it). */
  noiseM?: number;
  /** Seconds spent at each checkpoint (looking around, scanning its tag). */
  dwellS?: number;
  /** The phone loses the signal this far into the walk (0–1 of its duration), for this many seconds. */
  signalLoss?: { atFraction: number; seconds: number };
  /** A checkpoint the walker leaves out: the walk keeps at least `missDistanceM` away from it. */
  skipCheckpoint?: number;
  missDistanceM?: number;
}

/** A simulated patrol: the fixes the phone would send, where the walker stood, what they missed. */
export interface Walk {
  fixes: Fix[];
  arrivals: Arrival[];
  missed: number[];
  /** Fix times that fell in the lost-signal window and were never sent. */
  lost: number;
  end: Date;
}

const METRES_PER_DEGREE_LAT = 111_320;

/**
 * A flat projection around one point: a patrol spans a few hundred metres, where treating the
 * ground as a plane errs by centimetres, so the walker needs no geodesy library.
 */
function localFrame(origin: LonLat) {
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((origin.lat * Math.PI) / 180);
  return {
    toXY: (p: LonLat) => ({
      x: (p.lon - origin.lon) * metresPerDegreeLon,
      y: (p.lat - origin.lat) * METRES_PER_DEGREE_LAT,
    }),
    toLonLat: (x: number, y: number): LonLat => ({
      lon: origin.lon + x / metresPerDegreeLon,
      lat: origin.lat + y / METRES_PER_DEGREE_LAT,
    }),
  };
}

interface XY {
  x: number;
  y: number;
}

/** Distance from p to the segment a–b, in the plane. */
function distanceToSegment(p: XY, a: XY, b: XY): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The waypoints walked: the checkpoints, minus the skipped one, with a detour around it where the straight line passes close. */
function waypoints(
  points: readonly XY[],
  skip: number | undefined,
  missDistance: number,
): { at: XY; checkpoint?: number }[] {
  const path: { at: XY; checkpoint?: number }[] = [];
  points.forEach((at, checkpoint) => {
    if (checkpoint !== skip) {
      path.push({ at, checkpoint });
      return;
    }
    const before = points[checkpoint - 1];
    const after = points[checkpoint + 1];
    if (!before || !after || distanceToSegment(at, before, after) >= missDistance) return;
    // Step aside, perpendicular to the line through the neighbours, twice the distance to keep.
    const dx = after.x - before.x;
    const dy = after.y - before.y;
    const length = Math.hypot(dx, dy) || 1;
    path.push({ at: { x: at.x + (-dy / length) * missDistance * 2, y: at.y + (dx / length) * missDistance * 2 } });
  });
  return path;
}

/**
 * Walks a route as a grid worker would and reports what their phone sends: noisy fixes every
 * `intervalS` seconds, silence while the signal is lost, and a pause at each checkpoint visited.
 * Seeded, so a test or a demo sees the same walk every run.
 */
export function walkRoute(options: WalkOptions): Walk {
  const { route, start, intervalS, seed } = options;
  if (route.length === 0) throw new Error('walkRoute: the route has no checkpoints');
  if (!(intervalS > 0)) throw new Error('walkRoute: intervalS must be a positive number of seconds');
  const speed = options.speedMps ?? 1.3;
  const noise = options.noiseM ?? 5;
  const dwell = options.dwellS ?? 30;
  const random: Random = seededRandom(seed);
  const frame = localFrame(route[0] as LonLat);
  const points = route.map(frame.toXY);
  const path = waypoints(points, options.skipCheckpoint, options.missDistanceM ?? 60);

  // The walk as legs: a timeline of (time offset, position) knots, moving then dwelling.
  const knots: { t: number; at: XY }[] = [];
  const arrivalsAt: { t: number; checkpoint: number; at: XY }[] = [];
  let t = 0;
  path.forEach((step, index) => {
    const previous = knots.at(-1);
    if (previous && index > 0) t += Math.hypot(step.at.x - previous.at.x, step.at.y - previous.at.y) / speed;
    knots.push({ t, at: step.at });
    if (step.checkpoint !== undefined) {
      arrivalsAt.push({ t, checkpoint: step.checkpoint, at: step.at });
      t += dwell;
      knots.push({ t, at: step.at });
    }
  });
  const duration = t;
  const loss = options.signalLoss;
  const lossFrom = loss ? loss.atFraction * duration : Number.POSITIVE_INFINITY;
  const lossTo = loss ? lossFrom + loss.seconds : Number.NEGATIVE_INFINITY;

  const positionAt = (time: number): XY => {
    const next = knots.findIndex((knot) => knot.t >= time);
    if (next <= 0) return (knots[Math.max(next, 0)] ?? knots[0])?.at as XY;
    const a = knots[next - 1] as { t: number; at: XY };
    const b = knots[next] as { t: number; at: XY };
    const share = b.t === a.t ? 1 : (time - a.t) / (b.t - a.t);
    return { x: a.at.x + (b.at.x - a.at.x) * share, y: a.at.y + (b.at.y - a.at.y) * share };
  };

  // Noise is drawn even while the signal is lost, so a walk with and without a loss share their other fixes.
  const noisyFix = (offset: number, at: XY): Fix | undefined => {
    const accuracy = Math.max(3, gaussian(random, noise, noise / 3));
    const ex = gaussian(random, 0, accuracy / 2);
    const ey = gaussian(random, 0, accuracy / 2);
    if (offset >= lossFrom && offset < lossTo) return undefined;
    return {
      ...frame.toLonLat(at.x + ex, at.y + ey),
      time: new Date(start.getTime() + Math.round(offset * 1000)),
      accuracy: Math.round(accuracy * 10) / 10,
    };
  };
  const fixes: Fix[] = [];
  let lost = 0;
  for (let offset = 0; offset <= duration; offset += intervalS) {
    const fix = noisyFix(offset, positionAt(offset));
    if (fix === undefined) lost++;
    else fixes.push(fix);
  }
  // Drawn after the walk's fixes, so adding a checkpoint's check-in leaves the fixes as they were.
  const arrivals = arrivalsAt.map(({ t: offset, checkpoint, at: xy }): Arrival => {
    const fix = noisyFix(offset, xy);
    return {
      checkpoint,
      time: new Date(start.getTime() + Math.round(offset * 1000)),
      ...frame.toLonLat(xy.x, xy.y),
      ...(fix === undefined ? {} : { fix }),
    };
  });
  return {
    fixes,
    arrivals,
    missed: options.skipCheckpoint === undefined ? [] : [options.skipCheckpoint],
    lost,
    end: new Date(start.getTime() + Math.round(duration * 1000)),
  };
}
