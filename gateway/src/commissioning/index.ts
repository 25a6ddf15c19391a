export type { CamerasCheck, CloudCheck, DevicesCheck, MissingDevice } from './checks.js';
export { CommissioningModule } from './commissioning-module.js';
export { DRILL_HOPS, type DrillHop, type DrillHopName, type DrillRun, DrillWatch } from './drill.js';
export type { CommissioningReport, CommissioningView } from './routes.js';
