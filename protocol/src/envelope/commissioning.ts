import { z } from 'zod';
import { Timestamp } from '../time.js';

/**
 * What the cloud answers a gateway's commissioning check (gateway → cloud, with the gateway's
 * token): the link's round trip, and how far the gateway's drill alert got.
 */
export const CommissioningLink = z.object({
  gateway_id: z.string(),
  /** The community the cloud has the gateway serving; null when none is on record. */
  community: z.string().nullable(),
  at: Timestamp,
});
export type CommissioningLink = z.infer<typeof CommissioningLink>;

/**
 * The drill incident made from a gateway's drill alert. "Visible to the grid worker" is
 * `dispatched` to a grid worker (it is in their task list) and `notified_at`, the app's live notice.
 */
export const DrillStatus = z.object({
  incident_id: z.string(),
  drill: z.literal(true),
  state: z.string(),
  created_at: Timestamp,
  dispatched: z
    .object({
      at: Timestamp,
      assignee_kind: z.string(),
      /** `on_duty`, `substitute`, `grid_chief`: why this person. */
      reason: z.string(),
      /** Masked (张**): the installer learns that a person got it, not who. */
      assignee_name: z.string(),
    })
    .nullable(),
  notified_at: Timestamp.nullable(),
});
export type DrillStatus = z.infer<typeof DrillStatus>;
