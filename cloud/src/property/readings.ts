import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { deviceOfCommunity } from '../devices/read.js';
import { type ReadingSeries, readingSeries } from '../readings/store.js';

export const ReadingsQuery = z.strictObject({
  hours: z.coerce
    .number({ error: 'expected a whole number of hours, e.g. 24' })
    .int({ error: 'expected a whole number of hours, e.g. 24' })
    .min(1, { error: 'hours must be from 1 to 2160 (90 days)' })
    .max(2160, { error: 'hours must be from 1 to 2160 (90 days)' })
    .default(24)
    .meta({ description: 'The last this many hours (up to 90 days); default 24' }),
});

/** A device's readings as `GET /communities/{code}/property/devices/{deviceId}/readings` answers them. */
export interface PropertyDeviceReadings {
  hours: number;
  /** The start of the period asked (now minus `hours`). */
  since: string;
  series: ReadingSeries[];
}

/** The device's readings over the last `hours`; undefined when the community has no such device. */
export async function readingsOfDevice(
  db: Db,
  community: string,
  deviceId: string,
  hours: number,
  now: ReturnType<Clock>,
): Promise<PropertyDeviceReadings | undefined> {
  if ((await deviceOfCommunity(db, community, deviceId)) === undefined) return undefined;
  const since = new Date(now.getTime() - hours * 3_600_000);
  return { hours, since: since.toISOString(), series: await readingSeries(db, community, deviceId, since) };
}
