import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { BODY_LIMIT, jsonBody } from '../http/body.js';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateCaller, type Caller, callerOfResponse, parseBody } from './access.js';
import { ContactBody, ContactStore } from './contacts.js';
import { whyNotManaged } from './managed-user.js';
import { managerActor } from './middleware.js';
import type { People } from './people.js';

/**
 * `GET|PUT|DELETE /users/{id}/contact`: the phone number SMS notifications go to. A user reads and
 * changes their own; the admin token and district admins over the user's territory anyone's there.
 * Reads and changes are audited without the number.
 */
export function contactRoutes(db: Db, clock: Clock, people: People, adminToken: string): Router {
  const router = Router();
  const caller = authenticateCaller(people, adminToken);
  const contacts = new ContactStore(db, clock);

  /**
   * 404 for an unknown user, 403 unless the caller is the user or manages them (the user's home
   * and every role inside the caller's territory).
   */
  const allowed = async (c: Caller, userId: string) => {
    if (c.kind === 'user' && c.principal.userId === userId) return;
    const user = await fromDatabase(() => people.users.get(userId));
    if (user === undefined) throw new ProblemError('GL_USER_NOT_FOUND', message('user.unknown', { id: userId }));
    const unitTerritory = async (unitId: string) =>
      (await fromDatabase(() => people.units.get(unitId)))?.territory_code;
    const refusal = await whyNotManaged(c, user, unitTerritory);
    if (refusal !== undefined) {
      throw new ProblemError('GL_FORBIDDEN', message('contact.not_yours', { id: userId, refusal }));
    }
  };

  router.get('/users/:id/contact', caller, async (req: Request<{ id: string }>, res: Response) => {
    const c = callerOfResponse(res);
    await allowed(c, req.params.id);
    const contact = await fromDatabase(() => contacts.view(managerActor(c), req.params.id));
    if (contact === undefined) throw new ProblemError('GL_NOT_FOUND', message('contact.none', { id: req.params.id }));
    res.json(contact);
  });

  router.put(
    '/users/:id/contact',
    caller,
    jsonBody(BODY_LIMIT),
    async (req: Request<{ id: string }>, res: Response) => {
      const c = callerOfResponse(res);
      await allowed(c, req.params.id);
      const { phone } = parseBody(ContactBody, req.body);
      res.json(await fromDatabase(() => contacts.set(managerActor(c), req.params.id, phone)));
    },
  );

  router.delete('/users/:id/contact', caller, async (req: Request<{ id: string }>, res: Response) => {
    const c = callerOfResponse(res);
    await allowed(c, req.params.id);
    const removed = await fromDatabase(() => contacts.remove(managerActor(c), req.params.id));
    if (!removed) throw new ProblemError('GL_NOT_FOUND', message('contact.none', { id: req.params.id }));
    res.status(204).end();
  });

  return router;
}
