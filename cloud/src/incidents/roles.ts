import { z } from 'zod';

/**
 * Who takes a step (docs/domain.md §2; also the cloud's access-control roles). `system` is the cloud
 * itself: incidents from gateway alerts, automatic verification requests, archiving.
 */
export const IncidentRole = z.enum([
  'admin',
  'operator',
  'grid_worker',
  'disposal_unit',
  'property_manager',
  'installer',
  'callback_agent',
  'system',
]);
export type IncidentRole = z.infer<typeof IncidentRole>;
