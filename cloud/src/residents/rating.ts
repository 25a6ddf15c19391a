import type { ResidentRatingRequest, Satisfaction } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import type { IncidentEngine } from '../incidents/engine.js';

/** What a rating did to the incident. */
export type RatingApplied = 'callback' | 'kept';

/**
 * The seam between a resident's rating and the incident's callback (回访), kept to this one
 * function so the callback module's verdict store can take it over without the pages changing:
 * the rating is stored on the resident's report, and when the incident waits for its callback
 * (CLOSED under a callback policy) it is applied through the engine's own callback actions —
 * `callbackSatisfied` for satisfied or basically satisfied, `callbackUnsatisfied` otherwise — as
 * the cloud acting for the resident. When no callback waits (policy `none`, or already called
 * back), the rating is only kept.
 *
 * The callback rules name callback agents (and the centre's operators), not `system`: the step is
 * taken with the callback agent's role by the actor `resident:<report>`, so the record says plainly
 * that the resident, not an agent, gave the verdict.
 */
export async function recordResidentRating(
  deps: { db: Queryable; engine: IncidentEngine },
  report: { id: string; incidentId: string },
  rating: ResidentRatingRequest,
  at: Date,
): Promise<{ applied: RatingApplied } | { refused: 'already_rated' }> {
  const stored = await deps.db.query(
    `UPDATE resident_reports SET rating = $2, solved = $3, rating_note = $4, rated_at = $5
      WHERE id = $1 AND rating IS NULL RETURNING id`,
    [report.id, rating.satisfaction, rating.solved, rating.note ?? null, at],
  );
  if (stored.rows.length === 0) return { refused: 'already_rated' };
  const applied = await applyToCallback(deps.engine, report, rating.satisfaction, rating.solved);
  await deps.db.query('UPDATE resident_reports SET rating_applied = $2 WHERE id = $1', [report.id, applied]);
  return { applied };
}

async function applyToCallback(
  engine: IncidentEngine,
  report: { id: string; incidentId: string },
  satisfaction: Satisfaction,
  solved: boolean,
): Promise<RatingApplied> {
  const action = satisfaction === 'unsatisfied' ? 'callbackUnsatisfied' : 'callbackSatisfied';
  try {
    await engine.transition({
      incidentId: report.incidentId,
      action,
      requestId: `resident-rating:${report.id}`,
      actor: `resident:${report.id}`,
      role: 'callback_agent',
      commentMessage: { code: 'residents.rating_comment', params: { satisfaction, solved } },
      data: { satisfaction, solved, channel: 'resident' },
    });
    return 'callback';
  } catch (err) {
    // No callback waits (not closed, called back already, or the tenant has no callbacks): kept only.
    if ((err as { code?: string }).code?.startsWith('GL_INCIDENT_')) return 'kept';
    throw err;
  }
}
