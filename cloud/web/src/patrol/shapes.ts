import type { Incident } from '../api.js';
import { type Light, lightOf, type TimeStatus } from '../lights.js';
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
      /** Tapping the dot opens this page (an incident's). */
      href?: string;
      /** The dot's outline; white unless it must stand apart from the checkpoints (an incident). */
      ring?: string;
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

/** The lights as the app's stylesheet colours them (SVG attributes cannot read CSS variables). */
export const LIGHT_COLOURS: Record<Light, string> = {
  green: '#1e8e3e',
  yellow: '#d59b00',
  red: '#d93025',
  overdue: '#a50e0e',
  on_time: '#1e8e3e',
  late: '#8c4a00',
  none: '#5f6b7a',
};

/** An incident of the list as `GET /incidents` gives it: with its time-limit state and where it is. */
export type PlacedIncident = Incident &
  TimeStatus & { place_position: { lon: number; lat: number; source: 'incident' | 'building' } | null };

/** Open incidents placed somewhere, as pins coloured by their light; a tap opens the incident. */
export function incidentShapes(incidents: readonly PlacedIncident[]): MapShape[] {
  return incidents.flatMap((incident): MapShape[] => {
    const at = incident.place_position;
    if (!at || incident.closedAt !== null || incident.mergedInto !== null) return [];
    const light = lightOf(incident);
    return [
      {
        kind: 'dot',
        lon: at.lon,
        lat: at.lat,
        colour: LIGHT_COLOURS[light],
        radius: 9,
        ring: '#1d2733',
        className: `incident-pin incident-pin-${light}`,
        tooltip: incident.title,
        href: `#/incidents/${encodeURIComponent(incident.id)}`,
      },
    ];
  });
}
