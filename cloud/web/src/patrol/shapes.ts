import type { Checkpoint, Fix } from './model.js';
import { piecesOf } from './model.js';

/** What a patrol map draws over the areas, in WGS-84 like the areas. */
export type MapShape =
  | {
      kind: 'line';
      points: Array<[number, number]>;
      colour: string;
      className: string;
      weight?: number;
      opacity?: number;
      dashed?: boolean;
    }
  | { kind: 'circle'; lon: number; lat: number; radius_m: number; colour: string; className: string; tooltip?: string }
  | {
      kind: 'dot';
      lon: number;
      lat: number;
      colour: string;
      className: string;
      radius?: number;
      tooltip?: string;
      permanent?: boolean;
    };

export const COLOURS = {
  track: '#1f5fbf',
  played: '#0b8a5b',
  reached: '#0b8a5b',
  open: '#d97706',
  position: '#c0392b',
  checkin: '#0b8a5b',
  flagged: '#c0392b',
  worker: '#1f5fbf',
} as const;

/** A track as lines between its gaps: a time without positions is left blank, never bridged. */
export function trackShapes(track: readonly Fix[], gapMs: number, colour: string = COLOURS.track): MapShape[] {
  return piecesOf(track, gapMs).map((piece) => ({
    kind: 'line',
    points: piece.map((p) => [p.lon, p.lat]),
    colour,
    className: 'patrol-track',
  }));
}

/** Checkpoints with a position: their radius (point checkpoints) and a dot, green once reached. */
export function checkpointShapes(checkpoints: readonly Checkpoint[], reached: ReadonlySet<string>): MapShape[] {
  return checkpoints.flatMap((c): MapShape[] => {
    if (c.lon === null || c.lat === null) return [];
    const colour = reached.has(c.id) ? COLOURS.reached : COLOURS.open;
    const state = reached.has(c.id) ? 'reached' : 'open';
    return [
      ...(c.radius_m === null
        ? []
        : [
            {
              kind: 'circle' as const,
              lon: c.lon,
              lat: c.lat,
              radius_m: c.radius_m,
              colour,
              className: `checkpoint-radius checkpoint-${state}`,
            },
          ]),
      {
        kind: 'dot',
        lon: c.lon,
        lat: c.lat,
        colour,
        radius: 5,
        className: `checkpoint-dot checkpoint-${state}`,
        tooltip: c.name,
      },
    ];
  });
}
