import { json, ok, problem, ref, schema } from '../http/openapi-parts.js';
import { NewGateway } from './routes.js';

/** The `{id}` of a gateway's routes (registration, events, downlink). */
export const gatewayId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'gw-320803-001',
};
/** How a gateway route refuses a caller. */
export const denied = { '401': problem('No token, or an unknown one'), '403': problem("Another gateway's token") };

/** Gateway registration and tokens, for `/openapi.json`. */
export const GATEWAY_PATHS = {
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
};

export const GATEWAY_SCHEMAS = { NewGateway: schema(NewGateway) };
