import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type ApiTokenLimits, ApiTokenStore } from './api-tokens.js';
import { DisposalUnitStore } from './disposal-units.js';
import { DEFAULT_SCRYPT, type ScryptParameters } from './passwords.js';
import { RosterStore } from './rosters.js';
import { SessionStore, type SessionStoreOptions } from './sessions.js';
import { UserStore } from './users.js';

/** Session lifetimes and the login throttle are tenant data (`session_settings`), not options. */
export interface PeopleOptions {
  scrypt?: ScryptParameters;
  /** The login limits that protect the process (per-address budget, password checks at once). */
  login?: SessionStoreOptions;
  /** How long integrations' API tokens live (`auth.api_tokens`); default 365 days, at most 730. */
  apiTokens?: ApiTokenLimits;
}

/** The people module's stores over one database and clock. */
export interface People {
  users: UserStore;
  sessions: SessionStore;
  units: DisposalUnitStore;
  rosters: RosterStore;
  apiTokens: ApiTokenStore;
}

export function createPeople(db: Db, clock: Clock, options: PeopleOptions = {}): People {
  return {
    users: new UserStore(db, clock, options.scrypt ?? DEFAULT_SCRYPT),
    sessions: new SessionStore(db, clock, options.login),
    units: new DisposalUnitStore(db, clock),
    rosters: new RosterStore(db, clock),
    apiTokens: new ApiTokenStore(db, clock, options.apiTokens),
  };
}
