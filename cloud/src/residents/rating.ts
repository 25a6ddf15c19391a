import type { ResidentRatingRequest } from '@gridlink/protocol';
import { recordVerdict } from '../callback/verdicts.js';
import type { Queryable } from '../db/db.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { IncidentError } from '../incidents/errors.js';

/** What a rating did to the incident. */
export type RatingApplied = 'callback' | 'kept';

/** The cloud, recording a verdict that reached it through the resident's tracking page. */
export const RESIDENT_RATING_ACTOR = 'cloud';

/**
 * A resident's rating of their closed report, once. It is kept on the report (the tracking page
 * shows it back), and when the incident waits for its callback (CLOSED under a callback policy) it
 * is the callback's verdict: recorded through the callback module's {@link recordVerdict} on the
 * channel `resident`, by the cloud (`system`), so it lands in `callback_verdicts` and counts in
 * the satisfaction KPIs exactly as an agent's verdict does — those read the callback step alone.
 *
 * The first verdict closes the callback, whoever gives it. A rating arriving after an agent's
 * verdict (or where the tenant makes no callbacks) is refused as a step and only kept on the
 * report (`applied: 'kept'`), so the incident's satisfaction never counts twice; likewise an
 * agent's verdict after the resident's is refused by the engine (the incident is no longer CLOSED).
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
  const applied = await applyToCallback(deps.engine, report, rating);
  await deps.db.query('UPDATE resident_reports SET rating_applied = $2 WHERE id = $1', [report.id, applied]);
  return { applied };
}

async function applyToCallback(
  engine: IncidentEngine,
  report: { id: string; incidentId: string },
  rating: ResidentRatingRequest,
): Promise<RatingApplied> {
  const incident = await engine.get(report.incidentId);
  if (incident?.state !== 'CLOSED') return 'kept';
  try {
    await recordVerdict(
      { engine },
      report.incidentId,
      { satisfaction: rating.satisfaction, solved: rating.solved, ...(rating.note ? { note: rating.note } : {}) },
      'resident',
      { id: RESIDENT_RATING_ACTOR, role: 'system' },
      {
        requestId: `resident-rating:${report.id}`,
        expectedVersion: incident.version,
        commentMessage: {
          code: 'residents.rating_comment',
          params: { satisfaction: rating.satisfaction, solved: rating.solved },
        },
      },
    );
    return 'callback';
  } catch (err) {
    // No callback waits any more (an agent's verdict came first, or the tenant makes none): kept only.
    if (err instanceof IncidentError && err.code !== 'GL_INCIDENT_INVALID_INPUT') return 'kept';
    throw err;
  }
}
