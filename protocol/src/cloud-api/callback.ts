import { z } from 'zod';
import { IncidentRequestId } from './incidents.js';

/** How satisfied the resident is with the work (回访满意度): three levels, as assessments count them. */
export const CallbackSatisfaction = z.enum(['satisfied', 'basically_satisfied', 'unsatisfied']);
export type CallbackSatisfaction = z.infer<typeof CallbackSatisfaction>;

/**
 * Through which channel the verdict came: an agent's phone call, a visit on site, the resident's
 * own rating, or the hotline (12345).
 */
export const CallbackChannel = z.enum(['agent', 'visit', 'resident', 'hotline']);
export type CallbackChannel = z.infer<typeof CallbackChannel>;

/** A callback's verdict: satisfaction, whether the matter was actually solved, and a note. */
export const CallbackVerdict = z.strictObject({
  satisfaction: CallbackSatisfaction,
  solved: z.boolean({ error: 'solved is true or false: was the matter actually solved?' }),
  note: z.string().max(1000).optional(),
});
export type CallbackVerdict = z.infer<typeof CallbackVerdict>;

/** `POST /callbacks/{incidentId}/verdict`. */
export const CallbackVerdictBody = CallbackVerdict.extend({
  request_id: IncidentRequestId,
  /** Defaults to `agent` (a callback agent's phone call). */
  channel: CallbackChannel.optional(),
  /** The version the agent saw; a different current version is a conflict. */
  expected_version: z.int().min(1).optional(),
});
export type CallbackVerdictBody = z.input<typeof CallbackVerdictBody>;

/** One incident of `GET /callbacks/queue`: closed, due for a callback, the reporter's phone masked. */
export interface CallbackQueueItem {
  id: string;
  version: number;
  title: string;
  category: string;
  source: string;
  community: string | null;
  grid: string | null;
  address: string | null;
  closed_at: string;
  /** The callback's time limit, when the tenant's time limits give one. */
  due_by: string | null;
  light: 'green' | 'yellow' | 'red' | null;
  /** 138****1234, or null when nobody left a number (an IoT alarm, say). */
  reporter_phone_masked: string | null;
  /** Whether `POST /callbacks/{id}/reveal-contact` has a number to show. */
  may_reveal: boolean;
}

export interface CallbackQueue {
  items: CallbackQueueItem[];
}
