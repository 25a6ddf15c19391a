import { ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { AuditLogPage, AuditLogQuery } from './audit-log.js';

const query = (name: string, description: string, example?: string) => ({
  name,
  in: 'query',
  schema: { type: 'string' },
  description,
  ...(example === undefined ? {} : { example }),
});

/** The audit viewer's read, for `/openapi.json`. */
export const AUDIT_LOG_PATHS = {
  '/api/v1/audit-log': {
    get: {
      summary:
        'The audit log, newest first: the admin token all of it; a district admin the records about people, units, grids and work inside their territory, their own, and tenant settings when they administer every district served',
      parameters: [
        query('actor', '`user:<id>`, `admin` or `cli`', 'admin'),
        query('action', 'An action, or a prefix ending in `*`', 'roster.*'),
        query('target', 'A target, or a prefix ending in `*`', 'user:6f1c2a7e-5d0b-4c1e-9a55-0d2b8c1f3e47'),
        { ...query('from', 'Records at or after'), schema: { type: 'string', format: 'date-time' } },
        { ...query('to', 'Records before'), schema: { type: 'string', format: 'date-time' } },
        query('text', 'Found in the action, target, details or the names of actor and target'),
        query('personal', '`true`: only views and reveals of personal data (`*.reveal`, `contact.view`, …)'),
        query('before', 'The `next_before` of the previous page'),
        { ...query('limit', '1-200, default 50'), schema: { type: 'integer', minimum: 1, maximum: 200 } },
      ],
      responses: {
        '200': ok('A page of records and the cursor of the next', ref('AuditLogPage')),
        '400': problem('A filter is malformed; `errors[]` names it'),
        '401': problem('No token or session'),
        '403': problem('Neither the admin token nor a district admin'),
        ...unavailable,
      },
    },
  },
};

export const AUDIT_LOG_SCHEMAS = {
  AuditLogQuery: schema(AuditLogQuery),
  AuditLogPage: schema(AuditLogPage),
};
