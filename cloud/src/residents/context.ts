import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { IncidentEngine } from '../incidents/engine.js';
import type { SmsProvider } from '../notify/sms.js';
import type { People } from '../people/people.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { TerritoryStore } from '../territory/store.js';
import { Digests } from './codes.js';
import type { ResidentIntakeDeps } from './intake.js';
import { Buckets, DEFAULT_RESIDENT_LIMITS, type ResidentLimits } from './limits.js';
import { PhoneCodes } from './phone-codes.js';
import { ResidentStore } from './store.js';

/** What the residents' routes take from the running cloud. */
export interface ResidentsNeeds {
  db: Db;
  clock: Clock;
  people: People;
  incidents: IncidentEngine;
  dataSecret: string;
  /** Sends the SMS codes and tracking codes; without one, residents report anonymously only. */
  sms?: SmsProvider;
  residentLimits?: Partial<ResidentLimits>;
  attachmentMaxBytes?: number;
}

export interface ResidentsContext extends ResidentIntakeDeps {
  people: People;
  incidents: IncidentEngine;
  codes: PhoneCodes;
  buckets: Buckets;
  attachmentMaxBytes?: number;
}

/** The seal of the residents' contacts (phone, email): the store's, and anyone's who reads them with it. */
export const residentContactSeal = (dataSecret: string) => new PersonalDataSeal(dataSecret, 'resident contact');

/** The stores and helpers the routes share, built once per app. */
export function residentsContext(needs: ResidentsNeeds): ResidentsContext {
  const { db, clock } = needs;
  const digests = new Digests(`${needs.dataSecret}\ngridlink resident digests`);
  return {
    db,
    clock,
    people: needs.people,
    incidents: needs.incidents,
    engine: needs.incidents,
    territory: new TerritoryStore(db, { clock }),
    store: new ResidentStore(db, clock, residentContactSeal(needs.dataSecret)),
    digests,
    limits: { ...DEFAULT_RESIDENT_LIMITS, ...needs.residentLimits },
    sms: needs.sms,
    codes: new PhoneCodes(db, clock, digests, needs.sms),
    buckets: new Buckets(db, clock),
    ...(needs.attachmentMaxBytes === undefined ? {} : { attachmentMaxBytes: needs.attachmentMaxBytes }),
  };
}
