import Flatbush from 'flatbush';
import type { LonLat } from './gcj02.js';
import { boundingBox } from './polygon.js';
import { type GridResolution, type PolygonVersion, resolveGrid, validAt } from './resolve.js';

/**
 * The grid and community areas in force during one validity window, in a spatial index: flatbush
 * over their bounding boxes finds the few candidates whose box holds a point, and
 * {@link resolveGrid} decides among them exactly as it does among all versions (same rules for
 * dedicated grids, shared edges and the community fallback), so the answer is the unindexed one.
 *
 * The versions in force change only at a version's start or end; between two such instants (the
 * window `[from, to)`) one index answers for every time.
 */
export class GridIndex {
  private constructor(
    private readonly versions: readonly PolygonVersion[],
    private readonly index: Flatbush | undefined,
    /** Start of the window (ms since the epoch; -Infinity before the first version starts). */
    readonly from: number,
    /** End of the window, exclusive (Infinity after the last change). */
    readonly to: number,
  ) {}

  /** The index of the grid and community versions in force at `at`, and the window it holds for. */
  static build(versions: readonly PolygonVersion[], at: Date): GridIndex {
    const time = at.getTime();
    let from = -Infinity;
    let to = Infinity;
    for (const version of versions) {
      for (const change of [version.validFrom.getTime(), version.validTo?.getTime()]) {
        if (change === undefined) continue;
        if (change <= time) from = Math.max(from, change);
        else to = Math.min(to, change);
      }
    }
    const inForce = versions.filter((v) => (v.level === 'grid' || v.level === 'community') && validAt(v, at));
    if (inForce.length === 0) return new GridIndex(inForce, undefined, from, to);
    const index = new Flatbush(inForce.length);
    for (const version of inForce) {
      const box = boundingBox(version.area);
      index.add(box.minLon, box.minLat, box.maxLon, box.maxLat);
    }
    index.finish();
    return new GridIndex(inForce, index, from, to);
  }

  /** Whether this index answers for time `at`. */
  covers(at: Date): boolean {
    const time = at.getTime();
    return this.from <= time && time < this.to;
  }

  /** Who owns the WGS-84 point at any time of the window: see {@link resolveGrid}. */
  resolve(point: LonLat, at: Date): GridResolution {
    if (this.index === undefined) return { fallback: false };
    const candidates = this.index.search(point.lon, point.lat, point.lon, point.lat).map((i) => this.versions[i]);
    return resolveGrid(point, at, candidates as PolygonVersion[]);
  }
}

/** How many windows a resolver keeps indexed: now, and a few past times events are replayed at. */
const KEPT_WINDOWS = 4;

/**
 * Resolves points at any time against a fixed set of versions, indexing each validity window the
 * first time it is asked for and keeping the last {@link KEPT_WINDOWS}. Build a new resolver when
 * the versions change.
 */
export class GridResolver {
  private windows: GridIndex[] = [];

  constructor(private readonly versions: readonly PolygonVersion[]) {}

  resolve(point: LonLat, at: Date): GridResolution {
    return this.windowAt(at).resolve(point, at);
  }

  private windowAt(at: Date): GridIndex {
    const found = this.windows.find((w) => w.covers(at));
    if (found !== undefined) {
      if (this.windows[0] !== found) this.windows = [found, ...this.windows.filter((w) => w !== found)];
      return found;
    }
    const built = GridIndex.build(this.versions, at);
    this.windows = [built, ...this.windows].slice(0, KEPT_WINDOWS);
    return built;
  }
}
