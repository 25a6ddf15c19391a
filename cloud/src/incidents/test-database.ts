import type { Db } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';

/**
 * Call at suite level: a migrated database for the suite's tests (see useMigratedDatabase). Only
 * 0001 and the incident migration are applied: the incident schema needs nothing else.
 */
export function useIncidentDatabase(backend: Backend): () => Db {
  return useMigratedDatabase(backend, { what: 'incident database', versions: new Set([1, 3]) });
}
