import { IncidentSource, IncidentState, Severity, TrafficLight } from '@gridlink/protocol';
import { z } from 'zod';
import { KpiCode } from '../kpi/definitions.js';

/** A name in both languages of the screen (zh-CN first; English falls back to the Chinese). */
const Names = z.strictObject({ zh: z.string(), en: z.string() });
const Count = z.int().min(0);
const Percent = z.number().nullable().meta({ description: 'Percent, two decimals; null when nothing was due (0/0)' });

/**
 * The light of a pin, as one digit so 10,000 pins stay small: 0 none (no limit runs, or suspended
 * past any), 1 green, 2 yellow, 3 red.
 */
export const PIN_LIGHTS = [null, 'green', 'yellow', 'red'] as const;
export const PinLight = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
export type PinLight = z.infer<typeof PinLight>;

/**
 * The open incidents as columns, one entry per incident at the same index in every array:
 * a pin's id, its point (the incident's own or its building's, else its grid's or community's
 * centroid; null when none is known), its light and its category and state as indexes into
 * `categories` and `states`.
 */
export const CommandCentrePins = z.strictObject({
  categories: z.array(z.string()),
  states: z.array(IncidentState),
  id: z.array(z.string()),
  lon: z.array(z.number().nullable()),
  lat: z.array(z.number().nullable()),
  light: z.array(PinLight),
  category: z.array(z.int().min(0)),
  state: z.array(z.int().min(0)),
});
export type CommandCentrePins = z.infer<typeof CommandCentrePins>;

const KpiMonth = z.strictObject({
  /** The month's first day (China time), `YYYY-MM`. */
  month: z.string(),
  from: z.iso.datetime(),
  /** The month's end, or now for the running month. */
  to: z.iso.datetime(),
  filed: Count.meta({ description: 'Incidents filed in the period (应派遣数)' }),
  rates: z.record(KpiCode, Percent),
  composite: z.number().nullable(),
});

/** `GET /command-centre/overview`: the district command screen (指挥大屏) in one read. */
export const CommandCentreOverview = z.strictObject({
  as_of: z.iso.datetime(),
  /** The territories shown: the caller's, or the one asked for. */
  territories: z.array(z.string()),
  /** The territory the screen is named after (the first shown) and its name. */
  title: z.strictObject({ code: z.string(), name: Names }),
  open: z.strictObject({
    total: Count,
    by_state: z.array(z.strictObject({ state: IncidentState, count: Count })),
    /** Top-level categories (消防, 治安…), their sub-categories folded in; most first. */
    by_category: z.array(z.strictObject({ code: z.string(), name: Names, count: Count })),
    by_source: z.array(z.strictObject({ source: IncidentSource, count: Count })),
    by_light: z.strictObject({ green: Count, yellow: Count, red: Count, none: Count }),
  }),
  /** Since midnight China time (UTC+8), drills left out. */
  today: z.strictObject({
    date: z.iso.date(),
    intake: Count.meta({ description: 'Incidents created today' }),
    closed: Count.meta({ description: 'Incidents closed (结案) today' }),
    overdue: Count.meta({ description: 'Incidents whose limit was breached (超期) today' }),
    escalated: Count.meta({ description: 'Incidents escalated a level (升级) today, by hand or by a breach' }),
  }),
  /** The KPIs (docs/domain.md §5) of this month so far and of last month, as `GET /kpis` computes them. */
  kpi: z.strictObject({ this_month: KpiMonth, last_month: KpiMonth }),
  health: z.strictObject({
    gateways: z.strictObject({ total: Count, up: Count, link_down: Count, silent: Count }),
    devices: z.strictObject({ total: Count, offline: Count }),
    /** Communities with gateways, worst first (silent, then down, then offline devices). */
    communities: z.array(
      z.strictObject({
        code: z.string(),
        name: Names,
        gateways: Count,
        link_down: Count,
        silent: Count,
        devices: Count,
        offline: Count,
      }),
    ),
  }),
  /** Grids with open incidents, for colouring the map: how many and the worst light among them. */
  grids: z.array(
    z.strictObject({
      code: z.string(),
      name: Names,
      open: Count,
      light: TrafficLight.nullable(),
      centroid: z.tuple([z.number(), z.number()]).nullable(),
    }),
  ),
  /** The newest urgent (life-safety or critical) open incidents, newest first; no personal data. */
  ticker: z.array(
    z.strictObject({
      id: z.string(),
      category: z.string(),
      category_name: Names,
      severity: Severity,
      state: IncidentState,
      source: IncidentSource,
      place: Names,
      light: TrafficLight.nullable(),
      created_at: z.iso.datetime(),
    }),
  ),
  pins: CommandCentrePins,
  /** Every category of the catalogue by code, for the live additions the stream names only by code. */
  category_names: z.record(z.string(), Names),
});
export type CommandCentreOverview = z.infer<typeof CommandCentreOverview>;

const TerritoryCode = z.string().regex(/^\d{6}(\d{3}){0,3}$/, {
  error: 'expected a district, street, community or grid code (6, 9, 12 or 15 digits)',
});

export const CommandCentreQuery = z.strictObject({
  /** Narrows the screen to a territory inside the caller's (a street of the district, say). */
  territory: TerritoryCode.optional(),
});
