import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { Deadlines } from '../deadlines/index.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { COMMAND_CENTRE_PATHS, COMMAND_CENTRE_SCHEMAS } from './openapi.js';
import { commandCentreRoutes } from './routes.js';

/** The district command screen's data (指挥大屏): open incidents, today, KPIs, device health, pins. */
export const commandCentrePlugin: HttpPlugin<{ db: Db; clock: Clock; people: People; deadlines?: Deadlines }> = {
  name: 'command-centre',
  routes: ({ db, clock, people, deadlines }) =>
    commandCentreRoutes(
      db,
      clock,
      people,
      deadlines && ((incidents, steps, now) => deadlines.lightSchedulesOf(incidents, steps, now)),
    ),
  openapi: { paths: COMMAND_CENTRE_PATHS, schemas: COMMAND_CENTRE_SCHEMAS },
};
