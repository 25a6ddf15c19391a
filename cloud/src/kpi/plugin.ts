import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { HttpPlugin } from '../http/plugin.js';
import { TRACK_SEAL_PURPOSE } from '../patrol/tracks.js';
import type { People } from '../people/people.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { KPI_PATHS } from './openapi.js';
import { kpiRoutes } from './routes.js';
import { KpiSettingsStore } from './settings.js';

/** The KPIs and the assessment reports (CSV, XLSX). */
export const kpiPlugin: HttpPlugin<{ db: Db; clock: Clock; people: People; dataSecret: string }> = {
  name: 'kpi',
  routes: ({ db, clock, people, dataSecret }) => {
    const settings = new KpiSettingsStore(db, clock);
    const trackSeal = new PersonalDataSeal(dataSecret, TRACK_SEAL_PURPOSE);
    return kpiRoutes(db, clock, people, trackSeal, () => settings.policy());
  },
  openapi: { paths: KPI_PATHS },
};
