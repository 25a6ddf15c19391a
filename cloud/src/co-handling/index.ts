export { coHandlingGate, coHandlingGrants } from './access.js';
export { CoTaskEscalation } from './escalation.js';
export { coTaskKpis } from './kpis.js';
export { CoHandlingStore } from './store.js';
