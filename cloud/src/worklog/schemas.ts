import { z } from 'zod';
import { GridCode } from '../people/roles.js';
import { ENTRY_KIND_CODES } from './kinds.js';

/** Shortest and longest retention a tenant may set (days since the visit). */
export const RETENTION_DAYS = { min: 30, max: 3650 } as const;

const Text = (max: number, description: string) =>
  z.string({ error: 'expected text' }).trim().min(1, { error: 'leave it out or write something' }).max(max).meta({
    description,
  });

/** An instant with its offset (`2026-12-06T09:30:00+08:00` or `…Z`). */
const Instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/** A day (China midnight, as the pages pick days) or an instant with its offset. */
const DayOrInstant = z.union([
  z.iso.date().transform((day) => new Date(`${day}T00:00:00+08:00`)),
  z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
]);

/**
 * Where the visit was: a household of the territory (building, unit, room as the community's
 * building list names them) or, where the territory does not know it, an address in words.
 */
export const EntryPlace = z
  .strictObject({
    building: Text(32, 'Building (楼栋), as the community’s building list names it').optional(),
    unit: Text(32, 'Unit (单元) of the building').optional(),
    room: Text(32, 'Room or household number (室/户)').optional(),
    address: Text(200, 'The place in words, where it is no building of the territory').optional(),
  })
  .refine((place) => place.building !== undefined || place.address !== undefined, {
    error: 'name a building (with unit and room) or an address',
  })
  .refine((place) => (place.unit === undefined && place.room === undefined) || place.building !== undefined, {
    error: 'a unit or room needs its building',
  });
export type EntryPlace = z.output<typeof EntryPlace>;

const Tag = z
  .string({ error: 'expected a tag as text' })
  .trim()
  .min(1, { error: 'a tag is 1 to 20 characters' })
  .max(20, { error: 'a tag is 1 to 20 characters' });

const Tags = z
  .array(Tag)
  .max(10)
  .transform((tags) => [...new Set(tags)])
  .meta({ description: 'Up to 10 tags (独居老人, 重点人群…), each at most 20 characters; repeats are dropped' });

const PhotoIds = z
  .array(z.uuid({ error: 'expected the id a photo upload answered' }))
  .max(9)
  .meta({ description: 'Photos uploaded with `POST /worklog/photos` (at most 9)' });

/** A new entry as the phone sends it. */
export const NewEntry = z.strictObject({
  request_id: z
    .string({ error: 'expected the request id the phone made for this entry' })
    .regex(/^[A-Za-z0-9_-]{8,64}$/, { error: 'expected 8 to 64 letters, digits, - or _' })
    .meta({ description: 'Made by the phone once per entry: sending it again answers the entry already stored' }),
  grid: GridCode.meta({ description: 'One of the author’s grids (a grid_worker role of it)' }),
  visited_at: Instant.meta({ description: 'When the visit was, with its offset; not in the future' }),
  kind: z.enum(ENTRY_KIND_CODES).meta({ description: 'What it records' }),
  place: EntryPlace,
  people_met: Text(500, 'Names, phones, relations of the residents met: personal data, sealed at rest').optional(),
  note: Text(4000, 'What was seen, said and done'),
  tags: Tags.default([]),
  photo_ids: PhotoIds.default([]),
  incident_id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'expected an incident id' })
    .optional()
    .meta({ description: 'An incident this entry belongs to (one the author may see)' }),
});
export type NewEntry = z.output<typeof NewEntry>;

/** An edit by the author within the edit window: the fields given replace the entry's. */
export const EntryEdit = z
  .strictObject({
    visited_at: Instant.optional(),
    kind: z.enum(ENTRY_KIND_CODES).optional(),
    place: EntryPlace.optional(),
    people_met: Text(500, 'People met; null clears them').nullable().optional(),
    note: Text(4000, 'What was seen, said and done').optional(),
    tags: Tags.optional(),
    photo_ids: PhotoIds.optional().meta({ description: 'Photos to add (photos already on the entry stay)' }),
    incident_id: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'expected an incident id' })
      .nullable()
      .optional(),
  })
  .refine((edit) => Object.keys(edit).length > 0, { error: 'send at least one field to change' });
export type EntryEdit = z.output<typeof EntryEdit>;

/** `GET /worklog/entries`: filters, all optional, and the page. */
export const SearchQuery = z
  .strictObject({
    grid: GridCode.optional().meta({ description: 'Entries of this grid' }),
    worker: z.string().min(1).max(64).optional().meta({ description: 'Entries of this author (user id)' }),
    kind: z.enum(ENTRY_KIND_CODES).optional(),
    from: DayOrInstant.optional().meta({ description: 'Visited at or after: a day (China midnight) or an instant' }),
    to: DayOrInstant.optional().meta({ description: 'Visited before: a day (China midnight) or an instant' }),
    place: z.string().trim().min(1).max(100).optional().meta({
      description: 'Part of the building, unit, room or address',
    }),
    q: z.string().trim().min(1).max(100).optional().meta({ description: 'Part of the note or of a tag' }),
    mine: z
      .enum(['true', 'false'], { error: 'expected true or false' })
      .transform((value) => value === 'true')
      .optional()
      .meta({ description: '`true`: only the caller’s own entries' }),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    page_size: z.coerce.number().int().min(1).max(100).default(20),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.to > query.from, {
    error: 'to must be after from',
    path: ['to'],
  });
export type SearchQuery = z.output<typeof SearchQuery>;

/** The tenant's work-log settings (table `worklog_settings`). */
export const WorklogSettings = z.strictObject({
  retention_days: z
    .int({ error: `expected whole days (${RETENTION_DAYS.min} to ${RETENTION_DAYS.max})` })
    .min(RETENTION_DAYS.min, { error: `at least ${RETENTION_DAYS.min} days; raise it` })
    .max(RETENTION_DAYS.max, { error: `at most ${RETENTION_DAYS.max} days (10 years); lower it` })
    .meta({ description: 'Entries are kept this many days after the visit, then pruned', example: 1095 }),
});
export type WorklogSettings = z.output<typeof WorklogSettings>;
