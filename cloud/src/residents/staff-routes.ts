import { type Request, type Response, Router } from 'express';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { writeAudit } from '../people/audit.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import { canSeeTerritory, hasRole, type Principal } from '../people/scope.js';
import type { ResidentsContext } from './context.js';

/** Who may call the reporter back, and so read their phone in clear. */
const REVEALERS = ['operator', 'district_admin', 'callback_agent', 'grid_worker'] as const;

/**
 * Staff's view of a resident's report beside its incident: the channel and the phone masked
 * (138****1234); the number in clear only by a reveal, which is audited.
 */
export function residentStaffRoutes(ctx: ResidentsContext): Router {
  const { db, clock, store } = ctx;
  const router = Router();
  const auth = authenticateUser(ctx.people);

  const reportFor = async (principal: Principal, incidentId: string) => {
    const found = await fromDatabase(async () => {
      const report = await store.byIncident(incidentId);
      if (report === undefined) return undefined;
      const { rows } = await db.query<{ territory: string | null; closed: boolean }>(
        'SELECT coalesce(grid, community) AS territory, closed_at IS NOT NULL AS closed FROM incidents WHERE id = $1',
        [incidentId],
      );
      return { report, territory: rows[0]?.territory ?? null };
    });
    if (found === undefined || found.territory === null || !canSeeTerritory(principal, found.territory))
      throw new ProblemError('GL_NOT_FOUND', message('residents.report_unknown', { id: incidentId }));
    return found.report;
  };

  router.get('/residents/incidents/:id', auth, async (req: Request<{ id: string }>, res: Response) => {
    const report = await reportFor(principalOf(res), req.params.id);
    res.json({
      channel: report.channel,
      open311_id: report.open311_id,
      phone: store.maskedPhone(report),
      anonymous: report.phone_sealed === null,
      rating:
        report.rating === null
          ? null
          : { satisfaction: report.rating, solved: report.solved, note: report.rating_note, rated_at: report.rated_at },
    });
  });

  router.post('/residents/incidents/:id/reveal', auth, async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    if (!hasRole(principal, ...REVEALERS))
      throw new ProblemError('GL_FORBIDDEN', message('residents.reveal_not_for_you'));
    const report = await reportFor(principal, req.params.id);
    const phone = store.phoneOf(report) ?? null;
    await fromDatabase(() =>
      writeAudit(db, {
        actor: { kind: 'user', userId: principal.userId },
        action: 'resident_report.phone.reveal',
        target: `incident:${req.params.id}`,
        at: clock(),
        details: { report: report.id },
      }),
    );
    res.set('cache-control', 'no-store').json({ phone });
  });

  return router;
}
