/** Dispute mediation 三调联动: the types the web pages read (`@gridlink/cloud`). */
export type { MediationKpiRow } from './kpis.js';
export type { CaseDetailWithLinks, MediationContext } from './routes.js';
export type { CasePage, CaseView, FollowUpView, PartyView, SessionView } from './store.js';
