import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { People } from '../people/people.js';
import { KPI_PATHS } from './openapi.js';
import { kpiRoutes } from './routes.js';
import { KpiSettingsStore } from './settings.js';

/** The KPIs and the assessment reports (CSV, XLSX). */
export const kpiPlugin: HttpPlugin<{ db: Db; clock: Clock; people: People }> = {
  name: 'kpi',
  routes: ({ db, clock, people }) => {
    const settings = new KpiSettingsStore(db, clock);
    return kpiRoutes(db, clock, people, () => settings.policy());
  },
  openapi: { paths: KPI_PATHS },
};
