import type { Db } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';

/**
 * Call at suite level: a migrated database for the suite's tests (see useMigratedDatabase). Only
 * 0001, the incident migration, the policy's repeat thresholds, the incident settings (with the
 * policy's after hours) and the gateway-scoped alert keys and the stored messages, a step's deadline
 * change (0024: every step is written with its time limit's columns), the maintenance
 * settings (0027–0028: a gateway alert's maintenance ticket counts repeats in their window) and the
 * cleared alerts (0034), the positions of incidents and buildings (0038, 0042, with the territory
 * 0002 they extend) are applied: the incident schema needs nothing else.
 */
export function useIncidentDatabase(backend: Backend): () => Db {
  return useMigratedDatabase(backend, {
    what: 'incident database',
    versions: new Set([1, 2, 3, 12, 14, 17, 18, 22, 23, 24, 26, 27, 28, 34, 38, 42, 56]),
  });
}
