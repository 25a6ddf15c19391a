import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type HttpPlugin, inOrder } from '../http/plugin.js';
import { API_TOKEN_PATHS, API_TOKEN_SCHEMAS } from './api-token-openapi.js';
import { apiTokenRoutes } from './api-token-routes.js';
import { AUDIT_LOG_PATHS, AUDIT_LOG_SCHEMAS } from './audit-openapi.js';
import { auditLogRoutes } from './audit-routes.js';
import { contactRoutes } from './contact-routes.js';
import { CONTACT_PATHS, CONTACT_SCHEMAS } from './contacts-openapi.js';
import { PEOPLE_PATHS, PEOPLE_SCHEMAS } from './openapi.js';
import type { People } from './people.js';
import { peopleRoutes } from './routes.js';
import { sessionRoutes } from './session-routes.js';

/** Sessions, users and their roles, disposal units, grid rosters, users' phone contacts and API tokens. */
export const peoplePlugin: HttpPlugin<{ db: Db; clock: Clock; people: People; adminToken: string; logger: Logger }> = {
  name: 'people',
  routes: (ctx) =>
    inOrder(
      // The admin token keys the log's digests of failed usernames.
      sessionRoutes(ctx.people, ctx.logger.child({ module: 'sessions' }), ctx.adminToken),
      peopleRoutes(ctx.people, ctx.adminToken, ctx.clock, ctx.logger.child({ module: 'people' })),
      contactRoutes(ctx.db, ctx.clock, ctx.people, ctx.adminToken),
      apiTokenRoutes(ctx.people, ctx.adminToken, ctx.logger.child({ module: 'api-tokens' })),
      auditLogRoutes(ctx.db, ctx.people, ctx.adminToken),
    ),
  openapi: {
    paths: { ...PEOPLE_PATHS, ...CONTACT_PATHS, ...API_TOKEN_PATHS, ...AUDIT_LOG_PATHS },
    schemas: { ...PEOPLE_SCHEMAS, ...CONTACT_SCHEMAS, ...API_TOKEN_SCHEMAS, ...AUDIT_LOG_SCHEMAS },
  },
};
