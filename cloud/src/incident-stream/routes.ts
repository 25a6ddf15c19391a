import { type Request, type Response, Router } from 'express';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { IncidentStreams } from './streams.js';

/** `GET /incidents/stream`: mounted before `/incidents/{id}`, which would take `stream` for an id. */
export function incidentStreamRoutes(people: People, streams: IncidentStreams): Router {
  const router = Router();
  router.get('/incidents/stream', authenticateUser(people), async (req: Request, res: Response) => {
    await streams.serve(principalOf(res), req, res);
  });
  return router;
}
