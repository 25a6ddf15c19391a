import type { CaseDetailWithLinks, CasePage, CaseView, MediationContext, PartyView } from '@gridlink/cloud';
import type { Json } from '../api.js';

export type Case = Json<CaseView>;
export type Detail = Json<CaseDetailWithLinks>;
export type Page = Json<CasePage>;
export type Context = Json<MediationContext>;
export type Party = Json<PartyView>;
