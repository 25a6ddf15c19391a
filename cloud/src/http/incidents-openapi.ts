import { json, problem, ref, schema } from './openapi-parts.js';
import { ReportBody, TransitionBody } from './routes/incidents.js';

const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'INC-20261125-000001' };
const common = {
  '401': problem('No session, or an ended one'),
  '503': problem('The database is unavailable: retry later'),
};
const object = { type: 'object' };

/** The incidents API for `/openapi.json`: every route needs a session and filters by the caller's scope. */
export const INCIDENT_PATHS = {
  '/api/v1/incidents': {
    get: {
      summary: 'Incidents the caller may see (by role and scope), newest first',
      parameters: [
        { name: 'state', in: 'query', schema: { type: 'string' }, example: 'DISPATCHED' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      ],
      responses: {
        '200': { description: 'The incidents', content: json(object) },
        '400': problem('Invalid query'),
        ...common,
      },
    },
    post: {
      summary:
        'Report an incident (一口受理: patrol, 12345 hotline, 110 transfer, petition…) in the caller’s territory',
      requestBody: { required: true, content: json(ref('IncidentReport')) },
      responses: {
        '201': {
          description: 'The incident and its first step (a repeated request id returns the same)',
          content: json(object),
        },
        '400': problem('Invalid body'),
        '403': problem('Not a reporting role in this territory'),
        ...common,
      },
    },
  },
  '/api/v1/incidents/{id}': {
    get: {
      summary: 'One incident with its step records and evidence (the view is audited)',
      parameters: [id],
      responses: {
        '200': { description: 'Incident, steps, evidence', content: json(object) },
        '404': problem('No such incident the caller may see'),
        ...common,
      },
    },
  },
  '/api/v1/incidents/{id}/transitions': {
    post: {
      summary:
        'Take a step of the closed loop (accept, file, dispatch, sign, finish, pass, close…), idempotent on request_id',
      parameters: [id],
      requestBody: { required: true, content: json(ref('IncidentTransition')) },
      responses: {
        '200': { description: 'The incident as it is now and the step written', content: json(object) },
        '400': problem('Invalid body'),
        '403': problem('None of the caller’s roles may take this action here'),
        '404': problem('No such incident the caller may see'),
        '409': problem('The state does not allow the action, or the incident changed meanwhile'),
        ...common,
      },
    },
  },
};

export const INCIDENT_SCHEMAS = {
  IncidentReport: schema(ReportBody),
  IncidentTransition: schema(TransitionBody),
};
