import { CloudEvent, DownlinkAck, DownlinkMessage } from '@gridlink/protocol';
import { DEVICE_PATHS } from '../devices/openapi.js';
import { DISPATCH_PATHS, DISPATCH_SCHEMAS } from '../dispatch/openapi.js';
import { MAX_LIMIT, MAX_WAIT_S } from '../downlink/routes.js';
import { NewGateway } from '../gateways/routes.js';
import { INCIDENT_STREAM_PATHS } from '../incident-stream/openapi.js';
import { INCIDENT_PATHS, INCIDENT_SCHEMAS } from '../incidents/openapi.js';
import { PAGES_PATHS } from '../incidents/pages-openapi.js';
import { HELD_ALERT_PATHS, POLICY_PATHS, POLICY_SCHEMAS } from '../incidents/policies-openapi.js';
import { KPI_PATHS } from '../kpi/openapi.js';
import { CONTACT_PATHS, CONTACT_SCHEMAS } from '../people/contacts-openapi.js';
import { PEOPLE_PATHS, PEOPLE_SCHEMAS } from '../people/openapi.js';
import { SETTINGS_PATHS, SETTINGS_SCHEMAS } from '../settings/openapi.js';
import { json, ok, problem, ref, schema, unavailable } from './openapi-parts.js';
import { PROBLEMS } from './problems.js';

const gatewayId = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'gw-320803-001' };
const denied = { '401': problem('No token, or an unknown one'), '403': problem("Another gateway's token") };

/** The contract of the HTTP API as served at `/openapi.json` (OpenAPI 3.1). */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gridlink cloud',
      version,
      description:
        'Gateway intake: registration, event batches, durable downlink. Errors are RFC 9457 problems: `code` is stable; `title` and `detail` are written in the reader’s language (`Accept-Language`: zh-CN by default, English on request), as are the cloud’s own texts in incidents (a device’s title, the system’s step comments) and the KPI report’s headers.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: { security: [], responses: { '200': ok('The process answers', { type: 'object' }) } } },
      '/readyz': {
        get: {
          security: [],
          responses: { '200': ok('The database answers', { type: 'object' }), '503': problem('Not ready') },
        },
      },
      '/api/v1/gateways': {
        post: {
          summary: 'Register a gateway (admin); its token is shown only in this response',
          requestBody: { required: true, content: json(ref('NewGateway')) },
          responses: {
            '201': ok('Registered', {
              type: 'object',
              required: ['id', 'token'],
              properties: { id: { type: 'string' }, token: { type: 'string' } },
            }),
            '400': problem('Invalid body'),
            '401': problem('Not the admin token'),
            '409': problem('The id is taken'),
          },
        },
      },
      '/api/v1/gateways/{id}/community': {
        put: {
          summary:
            'Set the community the gateway serves (admin); its alerts may place incidents only there, and alerts naming a place are refused while it has none',
          parameters: [gatewayId],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['community'],
              additionalProperties: false,
              properties: { community: { type: 'string', pattern: '^\\d{12}$' } },
            }),
          },
          responses: {
            '200': ok('Set', {
              type: 'object',
              required: ['id', 'community'],
              properties: { id: { type: 'string' }, community: { type: 'string' } },
            }),
            '400': problem('Invalid body'),
            '401': problem('Not the admin token'),
            '404': problem('Unknown gateway'),
          },
        },
      },
      '/api/v1/gateways/{id}/token': {
        post: {
          summary:
            'Rotate the token (admin, or the gateway with its current token and, when the cloud requires them, its client certificate)',
          parameters: [gatewayId],
          responses: {
            '200': ok('A new token; the previous one works until previous_token_expires_at', {
              type: 'object',
              required: ['token', 'previous_token_expires_at'],
              properties: {
                token: { type: 'string' },
                previous_token_expires_at: { type: ['string', 'null'], format: 'date-time' },
              },
            }),
            ...denied,
            '404': problem('Unknown gateway'),
          },
        },
      },
      '/api/v1/gateways/{id}/events': {
        post: {
          summary: 'Send a batch of 1-5000 CloudEvents (idempotent on source + id)',
          parameters: [gatewayId],
          requestBody: {
            required: true,
            content: {
              'application/cloudevents-batch+json': { schema: { type: 'array', items: ref('CloudEvent') } },
              'application/json': { schema: { type: 'array', items: ref('CloudEvent') } },
            },
          },
          responses: {
            '200': ok('One result per event, in request order', ref('EventResults')),
            '400': problem('Not an array, empty, or more than 5000 events'),
            ...denied,
            '413': problem('Body over 16 MiB'),
            '415': problem('Not JSON'),
            ...unavailable,
          },
        },
      },
      '/api/v1/gateways/{id}/downlink': {
        post: {
          summary: 'Queue a message for the gateway (admin); idempotent on (gateway, id)',
          parameters: [gatewayId],
          requestBody: { required: true, content: json(ref('DownlinkMessage')) },
          responses: {
            '201': ok('Queued', ref('Enqueued')),
            '200': ok('Already queued', ref('Enqueued')),
            '400': problem('Invalid message'),
            '401': problem('Not the admin token'),
            '404': problem('Unknown gateway'),
            ...unavailable,
          },
        },
        get: {
          summary: 'Unacknowledged messages in order; long-polls up to `wait` seconds when there are none',
          parameters: [
            gatewayId,
            { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_S, default: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 } },
          ],
          responses: {
            '200': ok('Messages (possibly none)', {
              type: 'object',
              required: ['messages'],
              properties: { messages: { type: 'array', items: ref('DownlinkMessage') } },
            }),
            '400': problem('Bad wait or limit'),
            ...denied,
            ...unavailable,
          },
        },
      },
      '/api/v1/gateways/{id}/downlink/acks': {
        post: {
          summary: 'Acknowledge messages; unknown or already acknowledged ids are ignored',
          parameters: [gatewayId],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['acks'],
              properties: { acks: { type: 'array', items: ref('DownlinkAck') } },
            }),
          },
          responses: {
            '200': ok('How many were newly acknowledged', {
              type: 'object',
              required: ['acknowledged'],
              properties: { acknowledged: { type: 'integer' } },
            }),
            '400': problem('Invalid body'),
            ...denied,
            ...unavailable,
          },
        },
      },
      ...PEOPLE_PATHS,
      ...INCIDENT_PATHS,
      ...INCIDENT_STREAM_PATHS,
      ...KPI_PATHS,
      ...DISPATCH_PATHS,
      ...PAGES_PATHS,
      ...SETTINGS_PATHS,
      ...POLICY_PATHS,
      ...HELD_ALERT_PATHS,
      ...CONTACT_PATHS,
      ...DEVICE_PATHS,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        NewGateway: schema(NewGateway),
        CloudEvent: schema(CloudEvent),
        DownlinkMessage: schema(DownlinkMessage),
        DownlinkAck: schema(DownlinkAck),
        ...PEOPLE_SCHEMAS,
        ...INCIDENT_SCHEMAS,
        ...DISPATCH_SCHEMAS,
        ...SETTINGS_SCHEMAS,
        ...POLICY_SCHEMAS,
        ...CONTACT_SCHEMAS,
        EventResults: {
          type: 'object',
          required: ['results'],
          properties: {
            results: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'status'],
                properties: {
                  id: { type: 'string' },
                  status: { enum: ['accepted', 'duplicate', 'rejected'] },
                  error: { type: 'string' },
                },
              },
            },
          },
        },
        Enqueued: {
          type: 'object',
          required: ['id', 'status'],
          properties: { id: { type: 'string' }, status: { enum: ['queued', 'duplicate'] } },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { enum: Object.keys(PROBLEMS) },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['detail'],
                properties: { detail: { type: 'string' }, pointer: { type: 'string' }, parameter: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
