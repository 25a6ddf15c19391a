import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type ClientCertificates, requireGateway } from '../gateways/auth.js';
import type { GatewayRegistry } from '../gateways/registry.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { drillStatus } from './drill-status.js';

/**
 * What a gateway's installer console asks the cloud during commissioning, with the gateway's own
 * token: that the link works both ways (a round trip that reads the database), and how far its
 * drill got. A gateway sees only its own drills.
 */
export function commissioningRoutes(
  db: Db,
  clock: Clock,
  registry: GatewayRegistry,
  clientCertificates: ClientCertificates,
  incidents: IncidentEngine,
): Router {
  const router = Router();
  const gateway = requireGateway(registry, clientCertificates);

  router.get('/gateways/:id/commissioning/link', gateway, async (req: Request<{ id: string }>, res: Response) => {
    const { rows } = await fromDatabase(() =>
      db.query<{ community: string | null }>('SELECT community FROM gateways WHERE id = $1', [req.params.id]),
    );
    res
      .status(200)
      .json({ gateway_id: req.params.id, community: rows[0]?.community ?? null, at: clock().toISOString() });
  });

  router.get(
    '/gateways/:id/commissioning/drills/:alertId',
    gateway,
    async (req: Request<{ id: string; alertId: string }>, res: Response) => {
      const { id, alertId } = req.params;
      const status = await fromDatabase(() => drillStatus(db, id, alertId));
      if (!status)
        throw new ProblemError('GL_NOT_FOUND', message('drill.no_incident', { gateway: id, alert: alertId }));
      res.status(200).json(status);
    },
  );

  // The installer ended the drill: its incident is archived by the system, wherever it got to.
  // Idempotent on the step's request id (a retried call finds the step already taken).
  router.post(
    '/gateways/:id/commissioning/drills/:alertId/end',
    gateway,
    async (req: Request<{ id: string; alertId: string }>, res: Response) => {
      const { id, alertId } = req.params;
      const status = await fromDatabase(() => drillStatus(db, id, alertId));
      if (!status)
        throw new ProblemError('GL_NOT_FOUND', message('drill.no_incident', { gateway: id, alert: alertId }));
      // Closed, evaluated or archived: nothing left waiting on it (a person may have closed it).
      if (!['CLOSED', 'EVALUATED', 'ARCHIVED', 'INVALID', 'MERGED'].includes(status.state)) {
        await incidents.transition({
          incidentId: status.incident_id,
          action: 'endDrill',
          requestId: `drill-end:${status.incident_id}`,
          actor: `gateway:${id}`,
          role: 'system',
          commentMessage: message('step.drill_ended', { gateway: id }),
        });
      }
      res.status(200).json(await fromDatabase(() => drillStatus(db, id, alertId)));
    },
  );

  return router;
}
