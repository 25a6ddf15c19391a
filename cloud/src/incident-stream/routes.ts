import { type Request, type Response, Router } from 'express';
import { bearerToken } from '../gateways/tokens.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import { streamSessionCheck } from '../people/stream-session.js';
import type { IncidentStreams } from './streams.js';

/** `GET /incidents/stream`: mounted before `/incidents/{id}`, which would take `stream` for an id. */
export function incidentStreamRoutes(people: People, streams: IncidentStreams): Router {
  const router = Router();
  router.get('/incidents/stream', authenticateUser(people), async (req: Request, res: Response) => {
    const token = bearerToken(req.get('authorization')) as string;
    // A stream outlives its request: its session and roles are checked again while it is open.
    const principal = principalOf(res);
    await streams.serve(principal, req, res, streamSessionCheck(people, token, principal));
  });
  return router;
}
