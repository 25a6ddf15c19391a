import { type Request, type Response, Router } from 'express';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { parseQuery } from '../http/field-errors.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { authenticateCaller, callerOfResponse, whyNotTenantAdmin } from './access.js';
import { actorName } from './audit.js';
import { AuditLogQuery, type AuditReach, readAuditLog } from './audit-log.js';
import type { People } from './people.js';

/**
 * `GET /audit-log`: the audit trail, newest first, for the admin token (all of it) and district
 * admins (what lies in their territory, their own records, tenant settings when they are the
 * tenant's administrators; see audit-log.ts). Anyone else is refused.
 */
export function auditLogRoutes(db: Db, people: People, adminToken: string): Router {
  const router = Router();
  router.get('/audit-log', authenticateCaller(people, adminToken), async (req: Request, res: Response) => {
    const caller = callerOfResponse(res);
    const query = parseQuery(AuditLogQuery, req.query);
    let reach: AuditReach = { kind: 'all' };
    if (caller.kind === 'user') {
      const prefixes = caller.principal.assignments.filter((a) => a.role === 'district_admin').map((a) => a.scope);
      if (prefixes.length === 0) throw new ProblemError('GL_FORBIDDEN', message('access.needs_admin'));
      const tenant = (await fromDatabase(() => whyNotTenantAdmin(db, caller))) === undefined;
      reach = {
        kind: 'territory',
        prefixes,
        actor: actorName({ kind: 'user', userId: caller.principal.userId }),
        tenant,
      };
    }
    res.json(await fromDatabase(() => readAuditLog(db, reach, query)));
  });
  return router;
}
