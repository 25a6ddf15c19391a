import { type Request, type Response, Router } from 'express';
import { ProblemError } from '../http/problems.js';
import { authenticateUser, principalFromRequest, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Principal } from '../people/scope.js';
import type { IncidentStreams } from './streams.js';

/** `GET /incidents/stream`: mounted before `/incidents/{id}`, which would take `stream` for an id. */
export function incidentStreamRoutes(people: People, streams: IncidentStreams): Router {
  const router = Router();
  router.get('/incidents/stream', authenticateUser(people), async (req: Request, res: Response) => {
    // A stream outlives its request: its session is read again while it is open (logout, roles).
    const recheck = async (): Promise<Principal | null | undefined> => {
      try {
        return await principalFromRequest(req, people);
      } catch (err) {
        return err instanceof ProblemError && err.code === 'GL_UNAUTHENTICATED' ? null : undefined;
      }
    };
    await streams.serve(principalOf(res), req, res, recheck);
  });
  return router;
}
