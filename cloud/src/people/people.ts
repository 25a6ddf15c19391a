import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { DisposalUnitStore } from './disposal-units.js';
import { DEFAULT_SCRYPT, type ScryptParameters } from './passwords.js';
import { RosterStore } from './rosters.js';
import { DEFAULT_SESSION_POLICY, type SessionPolicy, SessionStore } from './sessions.js';
import { UserStore } from './users.js';

export interface PeopleOptions {
  sessions?: Partial<SessionPolicy>;
  scrypt?: ScryptParameters;
}

/** The people module's stores over one database and clock. */
export interface People {
  users: UserStore;
  sessions: SessionStore;
  units: DisposalUnitStore;
  rosters: RosterStore;
}

export function createPeople(db: Db, clock: Clock, options: PeopleOptions = {}): People {
  return {
    users: new UserStore(db, clock, options.scrypt ?? DEFAULT_SCRYPT),
    sessions: new SessionStore(db, clock, { ...DEFAULT_SESSION_POLICY, ...options.sessions }),
    units: new DisposalUnitStore(db, clock),
    rosters: new RosterStore(db, clock),
  };
}
