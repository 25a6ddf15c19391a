import { z } from 'zod';
import { GridCode } from '../people/roles.js';

/** The wire shapes of the patrol API: one zod schema each, the OpenAPI document is made from them. */

export const CoordinateSystem = z
  .enum(['wgs84', 'gcj02'])
  .default('wgs84')
  .meta({ description: '`gcj02`: the phone map’s coordinates (高德/腾讯), converted to WGS-84 when stored' });

const Lon = z.number({ error: 'expected a longitude in degrees' }).min(-180).max(180);
const Lat = z.number({ error: 'expected a latitude in degrees' }).min(-90).max(90);
/** Ids a client makes up so a retry is recognised (request ids, batch ids). */
export const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'expected an id of 1 to 100 letters, digits, ".", "_", ":" or "-"' });
const Instant = z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339 time, e.g. 2026-11-25T08:00:00+08:00' });
const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a China time of day as HH:MM, e.g. 08:30' });

export const TagCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{4,64}$/, { error: 'expected a tag code of 4 to 64 letters, digits, "_" or "-"' });

export const CheckpointInput = z.discriminatedUnion('kind', [
  z.strictObject({
    id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Keep an existing checkpoint (its check-ins stay its)' }),
    kind: z.literal('point'),
    name: z.string().trim().min(1).max(100),
    lon: Lon,
    lat: Lat,
    crs: CoordinateSystem,
    radius_m: z
      .number({ error: 'expected a radius in metres (5 to 1000)' })
      .min(5, { error: 'at least 5 metres; raise it' })
      .max(1000, { error: 'at most 1000 metres; lower it' }),
  }),
  z.strictObject({
    id: z.string().min(1).max(64).optional(),
    kind: z.literal('tag'),
    name: z.string().trim().min(1).max(100),
    tag_code: TagCode.meta({ description: 'The QR/NFC code fixed on site; unique across the tenant' }),
    lon: Lon.optional(),
    lat: Lat.optional(),
    crs: CoordinateSystem,
  }),
]);
export type CheckpointInput = z.output<typeof CheckpointInput>;

export const RoundWindow = z
  .strictObject({ from: ClockTime, to: ClockTime })
  .refine((w) => w.from < w.to, { error: 'a window ends after it starts (from < to, same day)', path: ['to'] });

export const RouteInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    rounds_per_day: z
      .int({ error: 'expected whole rounds a day (1 to 24)' })
      .min(1)
      .max(24)
      .meta({ description: 'How many times a day the route is walked', example: 2 }),
    windows: z
      .array(RoundWindow)
      .max(24)
      .default([])
      .meta({ description: 'One China-time window per round, in order; empty: any time of the day' }),
    checkpoints: z.array(CheckpointInput).min(1).max(100),
  })
  .refine((r) => r.windows.length === 0 || r.windows.length === r.rounds_per_day, {
    error: 'give one window per round (as many windows as rounds_per_day), or none',
    path: ['windows'],
  });
export type RouteInput = z.output<typeof RouteInput>;

export const StartSessionBody = z.strictObject({
  request_id: ClientId.meta({ description: 'Made by the phone; the same id again answers the same patrol' }),
  route_id: z.string().min(1).max(64),
  started_at: Instant.optional().meta({ description: 'When the phone started it (offline); default now' }),
});

export const EndSessionBody = z.strictObject({
  ended_at: Instant.optional().meta({ description: 'When the phone ended it (offline); default now' }),
});

/** One position as the phone sends it; each is checked on its own and answered by its index. */
export const PositionInput = z.strictObject({
  at: Instant,
  lon: Lon,
  lat: Lat,
  accuracy_m: z.number({ error: 'expected the accuracy in metres' }),
  crs: CoordinateSystem,
});
export type PositionInput = z.output<typeof PositionInput>;

export const MAX_BATCH_POSITIONS = 500;

export const PositionBatch = z.strictObject({
  batch_id: ClientId.meta({ description: 'Made by the phone; a batch sent again is answered as before, stored once' }),
  sent_at: Instant.meta({ description: 'The phone’s clock when it sent the batch: measures how far off it is' }),
  positions: z
    .array(z.unknown())
    .min(1)
    .max(MAX_BATCH_POSITIONS)
    .meta({ description: 'Positions ({at, lon, lat, accuracy_m, crs?}), any order' }),
});

export const CheckinBody = z
  .strictObject({
    request_id: ClientId,
    checkpoint_id: z.string().min(1).max(64).optional().meta({ description: 'A point checkpoint reached' }),
    tag_code: TagCode.optional().meta({ description: 'A tag scanned on site' }),
    at: Instant,
    sent_at: Instant.optional().meta({
      description: 'The phone’s clock when sent (corrects a phone clock that is off)',
    }),
    lon: Lon.optional(),
    lat: Lat.optional(),
    accuracy_m: z.number().positive().optional(),
    crs: CoordinateSystem,
    photo_ids: z
      .array(z.uuid())
      .max(9)
      .default([])
      .meta({ description: 'Photos uploaded first (POST /patrol/photos)' }),
  })
  .refine((b) => (b.checkpoint_id === undefined) !== (b.tag_code === undefined), {
    error: 'give either checkpoint_id (with lon and lat) or tag_code',
    path: ['checkpoint_id'],
  })
  .refine((b) => b.checkpoint_id === undefined || (b.lon !== undefined && b.lat !== undefined), {
    error: 'a checkpoint reached by position needs lon and lat',
    path: ['lon'],
  })
  .refine((b) => (b.lon === undefined) === (b.lat === undefined), {
    error: 'give lon and lat together',
    path: ['lat'],
  });
export type CheckinBody = z.output<typeof CheckinBody>;

export const TaskKind = z.enum(['visit_household', 'check_hazard', 'other']);

export const TaskInput = z
  .strictObject({
    grid_code: GridCode,
    worker_id: z.string().min(1).max(64).meta({ description: 'A grid worker of that grid' }),
    kind: TaskKind,
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).optional(),
    place: z.string().trim().max(200).optional().meta({ description: 'Where, in words (household, address)' }),
    lon: Lon.optional(),
    lat: Lat.optional(),
    crs: CoordinateSystem,
    due_at: Instant,
  })
  .refine((b) => (b.lon === undefined) === (b.lat === undefined), {
    error: 'give lon and lat together',
    path: ['lat'],
  });
export type TaskInput = z.output<typeof TaskInput>;

export const TaskDoneBody = z.strictObject({
  note: z
    .string({ error: 'expected what was done, as text' })
    .trim()
    .min(1, { error: 'say what was done (1 to 1000 characters)' })
    .max(1000),
  photo_ids: z.array(z.uuid()).max(9).default([]),
});

export const DayQuery = z.strictObject({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a China-time date as YYYY-MM-DD, e.g. 2026-11-25' })
    .optional()
    .meta({ description: 'China-time date, YYYY-MM-DD; default today' }),
});

export const LiveQuery = z.strictObject({
  territory: z
    .string()
    .regex(/^\d{6}(\d{3}){0,3}$/, { error: 'expected a territory code of 6, 9, 12 or 15 digits' })
    .meta({ description: 'District, street, community or grid whose patrolling workers to show' }),
});

export const TaskListQuery = z.strictObject({
  grid: GridCode.optional(),
  worker: z.string().min(1).max(64).optional(),
  open: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .transform((v) => v === 'true')
    .optional(),
});
