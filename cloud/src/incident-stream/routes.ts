import { type Request, type Response, Router } from 'express';
import { bearerToken } from '../gateways/tokens.js';
import { authenticateUser, principalOf } from '../people/middleware.js';
import type { People } from '../people/people.js';
import type { Principal } from '../people/scope.js';
import type { IncidentStreams } from './streams.js';

/** `GET /incidents/stream`: mounted before `/incidents/{id}`, which would take `stream` for an id. */
export function incidentStreamRoutes(people: People, streams: IncidentStreams): Router {
  const router = Router();
  router.get('/incidents/stream', authenticateUser(people), async (req: Request, res: Response) => {
    const token = bearerToken(req.get('authorization')) as string;
    // A stream outlives its request: its session and roles are read again while it is open, without
    // sliding the session's expiry (an open page alone must not keep an unattended session alive).
    const recheck = async (): Promise<Principal | null | undefined> => {
      try {
        const userId = await people.sessions.peek(token);
        return (userId === undefined ? undefined : await people.users.principal(userId)) ?? null;
      } catch {
        return undefined;
      }
    };
    await streams.serve(principalOf(res), req, res, recheck);
  });
  return router;
}
