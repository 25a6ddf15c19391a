import type { Queryable } from '../db/db.js';
import { type LightSchedule, lightAt } from '../deadlines/deadlines.js';
import type { Incident, IncidentStep } from '../incidents/index.js';
import { readStepsOf } from '../incidents/store.js';
import type { TrafficLight } from '../time-limits/index.js';

/** The time limits' light schedules of many incidents (Deadlines.lightSchedulesOf). */
export type LightSchedulesOf = (
  incidents: readonly Incident[],
  steps: ReadonlyMap<string, readonly IncidentStep[]>,
  now: Date,
) => Promise<ReadonlyMap<string, LightSchedule>>;

/** Schedules are read again at least this often: the tenant's calendar or limits may have changed. */
const DEFAULT_TTL_MS = 10 * 60_000;

/**
 * The lights of a district's open incidents, read again every minute by its command screens: each
 * incident's clock is read from its steps once per version (a step moves it on) and its light then
 * follows from when it turns yellow and red, so a read of 10,000 incidents reads the steps and
 * clocks of the few that moved since, not of all. Kept per replica, in memory.
 */
export class LightMemo {
  private readonly entries = new Map<string, { version: number; readAt: number; schedule: LightSchedule }>();

  constructor(
    private readonly schedulesOf: LightSchedulesOf,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  async lightsOf(db: Queryable, incidents: readonly Incident[], now: Date): Promise<Map<string, TrafficLight | null>> {
    const at = now.getTime();
    const stale = incidents.filter((incident) => {
      const entry = this.entries.get(incident.id);
      return (
        entry === undefined || entry.version !== incident.version || at - entry.readAt > this.ttlMs || at < entry.readAt
      );
    });
    if (stale.length > 0) {
      const steps = await readStepsOf(
        db,
        stale.map((incident) => incident.id),
      );
      const schedules = await this.schedulesOf(stale, steps, now);
      for (const incident of stale) {
        const schedule = schedules.get(incident.id) ?? { light: null, yellowAt: null, redAt: null };
        this.entries.set(incident.id, { version: incident.version, readAt: at, schedule });
      }
    }
    // Incidents closed since are forgotten once they are a good share of what is kept.
    if (this.entries.size > incidents.length * 2 + 1000) {
      const open = new Set(incidents.map((incident) => incident.id));
      for (const id of this.entries.keys()) if (!open.has(id)) this.entries.delete(id);
    }
    const lights = new Map<string, TrafficLight | null>();
    for (const incident of incidents) {
      const entry = this.entries.get(incident.id);
      lights.set(incident.id, entry ? lightAt(entry.schedule, now) : null);
    }
    return lights;
  }
}
