import type { Queryable } from '../db/db.js';
import type { TrackPoint } from './trajectory.js';

/** Bytes per fix in a packed track: ms after the base (int32), lon and lat in 1e-7° (int32), accuracy in dm (uint16). */
export const PACKED_FIX_BYTES = 14;
const E7 = 1e7;
/** The largest accuracy a smallint column holds, in decimetres (3.2 km: far beyond any accepted one). */
export const MAX_ACCURACY_DM = 32_767;

export const accuracyDm = (metres: number) => Math.min(MAX_ACCURACY_DM, Math.max(1, Math.round(metres * 10)));

/** Fixes in time order, packed; the base is the first fix's time. */
export function packTrack(points: readonly TrackPoint[]): { base: Date; bytes: Buffer } {
  const base = points[0]?.at ?? new Date(0);
  const bytes = Buffer.alloc(points.length * PACKED_FIX_BYTES);
  points.forEach((p, i) => {
    const o = i * PACKED_FIX_BYTES;
    bytes.writeInt32LE(p.at.getTime() - base.getTime(), o);
    bytes.writeInt32LE(Math.round(p.lon * E7), o + 4);
    bytes.writeInt32LE(Math.round(p.lat * E7), o + 8);
    bytes.writeUInt16LE(accuracyDm(p.accuracy_m), o + 12);
  });
  return { base, bytes };
}

export function unpackTrack(base: Date, packed: Uint8Array): TrackPoint[] {
  const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const points: TrackPoint[] = [];
  for (let o = 0; o + PACKED_FIX_BYTES <= bytes.byteLength; o += PACKED_FIX_BYTES) {
    points.push({
      at: new Date(base.getTime() + bytes.readInt32LE(o)),
      lon: bytes.readInt32LE(o + 4) / E7,
      lat: bytes.readInt32LE(o + 8) / E7,
      accuracy_m: bytes.readUInt16LE(o + 12) / 10,
    });
  }
  return points;
}

interface RowFix {
  at: Date;
  lon_e7: number;
  lat_e7: number;
  accuracy_dm: number;
}
const fromRow = (r: RowFix): TrackPoint => ({
  at: r.at,
  lon: r.lon_e7 / E7,
  lat: r.lat_e7 / E7,
  accuracy_m: r.accuracy_dm / 10,
});

/** The packed fixes of a session (none until it was compacted). */
export async function packedFixes(q: Queryable, sessionId: number): Promise<TrackPoint[]> {
  const { rows } = await q.query<{ base_at: Date; packed: Uint8Array }>(
    'SELECT base_at, packed FROM patrol_tracks WHERE session_id = $1',
    [sessionId],
  );
  return rows[0] === undefined ? [] : unpackTrack(rows[0].base_at, rows[0].packed);
}

/** Every fix of a session, packed and in rows, in time order, one per instant. */
export async function allFixes(q: Queryable, sessionId: number): Promise<TrackPoint[]> {
  const [packed, { rows }] = await Promise.all([
    packedFixes(q, sessionId),
    q.query<RowFix>('SELECT at, lon_e7, lat_e7, accuracy_dm FROM patrol_positions WHERE session_id = $1 ORDER BY at', [
      sessionId,
    ]),
  ]);
  if (packed.length === 0) return rows.map(fromRow);
  const byTime = new Map<number, TrackPoint>();
  for (const p of [...packed, ...rows.map(fromRow)]) if (!byTime.has(p.at.getTime())) byTime.set(p.at.getTime(), p);
  return [...byTime.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Packs an ended patrol's rows into its track (merged with what was packed before, for fixes
 * uploaded after it ended) and deletes the rows: ~14 bytes a fix instead of a row and an index entry.
 */
export async function compactSession(q: Queryable, sessionId: number): Promise<number> {
  const fixes = await allFixes(q, sessionId);
  if (fixes.length === 0) return 0;
  const { base, bytes } = packTrack(fixes);
  const last = fixes[fixes.length - 1] as TrackPoint;
  await q.query(
    `INSERT INTO patrol_tracks (session_id, base_at, last_at, points, packed) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (session_id) DO UPDATE SET base_at = excluded.base_at, last_at = excluded.last_at,
       points = excluded.points, packed = excluded.packed`,
    [sessionId, base, last.at, fixes.length, bytes],
  );
  await q.query('DELETE FROM patrol_positions WHERE session_id = $1', [sessionId]);
  return fixes.length;
}
