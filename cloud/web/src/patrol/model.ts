import type {
  PatrolBatchResult,
  PatrolCheckin,
  PatrolCheckpoint,
  PatrolDay,
  PatrolLive,
  PatrolPhoto,
  PatrolRoute,
  PatrolSession,
  PatrolSessionPage,
  PatrolSettings,
  PatrolTrajectory,
} from '@gridlink/cloud';
import type { Json, User } from '../api.js';

/** The patrol API's answers as the pages receive them: the cloud's own types (`@gridlink/cloud`). */
export type Day = Json<PatrolDay>;
export type Route = Json<PatrolRoute>;
export type Checkpoint = Json<PatrolCheckpoint>;
export type Session = Json<PatrolSession>;
export type Checkin = Json<PatrolCheckin>;
export type SessionPage = Json<PatrolSessionPage>;
export type Trajectory = Json<PatrolTrajectory>;
export type Live = Json<PatrolLive>;
export type Settings = Json<PatrolSettings>;
export type Photo = Json<PatrolPhoto>;
export type BatchResult = Json<PatrolBatchResult>;
/** `POST /patrol/sessions`. */
export interface Started {
  session: Session;
  route: Route;
}

/** A position as the phone took it (WGS-84, as browsers give it). */
export interface Fix {
  at: string;
  lon: number;
  lat: number;
  accuracy_m: number;
}

/** Grid workers walk patrols; the command centre and district admins watch them. */
export const walksPatrols = (user: User) => user.roles.some((a) => a.role === 'grid_worker');
export const watchesPatrols = (user: User) =>
  user.roles.some((a) => a.role === 'operator' || a.role === 'district_admin');

/** The territory a supervisor watches: their widest operator or admin scope. */
export function watchedTerritory(user: User): string | undefined {
  const scopes = user.roles
    .filter((a) => a.role === 'operator' || a.role === 'district_admin')
    .map((a) => a.scope)
    .filter((scope): scope is string => typeof scope === 'string' && /^\d{6,15}$/.test(scope))
    .sort((a, b) => a.length - b.length);
  return scopes[0];
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle metres between two WGS-84 points (the server measures the same way). */
export function metresBetween(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Pieces of a track between gaps (no position for longer than `gapMs`): a gap is drawn as a break. */
export function piecesOf<T extends { at: string }>(points: readonly T[], gapMs: number): T[][] {
  const pieces: T[][] = [];
  let piece: T[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const point of points) {
    const at = Date.parse(point.at);
    if (piece.length > 0 && at - last > gapMs) {
      pieces.push(piece);
      piece = [];
    }
    piece.push(point);
    last = at;
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

/** China-time clock of an instant, `HH:MM`. */
export function clockOf(at: string): string {
  return new Date(at).toLocaleTimeString('zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
}

/** `HH:MM:SS` China time. */
export function secondsOf(at: string | number): string {
  return new Date(at).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}
