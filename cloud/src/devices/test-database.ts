import type { Db } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';

/**
 * Call at suite level: a migrated database for the device projection's tests. Only 0001 (gateways
 * and their events), 0002 and 0018 (the community a gateway serves), the device inventory
 * migration and 0040 (its per-gateway counts) are applied: the projection needs nothing else.
 */
export function useDeviceDatabase(backend: Backend): () => Db {
  return useMigratedDatabase(backend, { what: 'device database', versions: new Set([1, 2, 18, 27, 40, 56]) });
}
