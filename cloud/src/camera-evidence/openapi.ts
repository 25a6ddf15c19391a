import { denied, gatewayId } from '../gateways/openapi.js';
import { json, ok, problem, unavailable } from '../http/openapi-parts.js';

const query = (name: string, description: string, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema: { type: 'string' },
});
const incidentId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const request = {
  type: 'object',
  required: [
    'id',
    'incident_id',
    'device_ids',
    'requested_at',
    'deadline',
    'state',
    'failure',
    'error',
    'attachment_ids',
  ],
  properties: {
    id: { type: 'string' },
    incident_id: { type: 'string' },
    device_ids: { type: 'array', items: { type: 'string' } },
    requested_at: { type: 'string', format: 'date-time' },
    deadline: { type: 'string', format: 'date-time' },
    state: { enum: ['pending', 'done', 'failed'] },
    failure: { enum: ['refused', 'not_fetched', 'no_snapshot', null] },
    error: { type: ['string', 'null'] },
    attachment_ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
  },
};
const session = { '401': problem('No session'), '404': problem('No such incident visible to the user') };

/** Camera evidence, for `/openapi.json`. */
export const CAMERA_EVIDENCE_PATHS = {
  '/api/v1/gateways/{id}/attachments': {
    post: {
      summary: "A camera snapshot (JPEG or PNG body) for one of the gateway's alerts or an answer to a request",
      parameters: [
        gatewayId,
        query('upload_id', 'The gateway’s id of this upload: a retry is stored once', true),
        query('device_id', 'The camera', true),
        query('taken_at', 'When the picture was taken (RFC 3339)', true),
        query('sha256', 'The body’s SHA-256, lowercase hex', true),
        query('alert_id', 'The gateway’s alert the snapshot belongs to'),
        query('request_id', 'The snapshot request it answers'),
      ],
      requestBody: {
        required: true,
        content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } },
      },
      responses: {
        '201': ok('Stored', { type: 'object' }),
        '200': ok('Already stored (same upload id)', { type: 'object' }),
        '400': problem('Bad parameters or a sha256 that does not match'),
        '413': problem('Larger than attachments.max_bytes'),
        '415': problem('Not a JPEG or PNG'),
        ...denied,
        ...unavailable,
      },
    },
  },
  '/api/v1/incidents/{id}/snapshot-requests': {
    post: {
      summary: 'Ask the incident’s cameras for a fresh snapshot (operators and grid workers); idempotent on request_id',
      parameters: [incidentId],
      requestBody: {
        required: true,
        content: json({ type: 'object', required: ['request_id'], properties: { request_id: { type: 'string' } } }),
      },
      responses: {
        '201': ok('Requested', request),
        '200': ok('Already requested', request),
        '400': problem('No camera snapshot on the incident, or the id is taken'),
        '403': problem('Not an operator or grid worker'),
        ...session,
        ...unavailable,
      },
    },
    get: {
      summary: 'The incident’s latest snapshot requests and their state',
      parameters: [incidentId],
      responses: {
        '200': ok('Requests', { type: 'object', properties: { requests: { type: 'array', items: request } } }),
        ...session,
        ...unavailable,
      },
    },
  },
  '/api/v1/incidents/{id}/snapshot-requests/{request}': {
    get: {
      summary: 'One snapshot request: pending, done (its attachments) or failed (why)',
      parameters: [incidentId, { name: 'request', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': ok('The request', json(request)), ...session, ...unavailable },
    },
  },
};
