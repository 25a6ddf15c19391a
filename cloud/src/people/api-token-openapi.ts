import { json, ok, problem, ref, schema } from '../http/openapi-parts.js';
import { NewApiTokenBody } from './api-token-routes.js';

const userId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: '6f1c2a7e-5d0b-4c1e-9a55-0d2b8c1f3e47',
};
const tokenId = {
  name: 'tokenId',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  example: '0b7e8f52-3c1d-4f6a-9e2b-5a4c3d2e1f00',
};
const manager = {
  '401': problem('No token, an unknown one, or an ended session or API token'),
  '403': problem('Neither the admin token nor a district_admin over the user’s territory and every role'),
  '404': problem('No such user'),
};

/** The API token routes for `/openapi.json`. */
export const API_TOKEN_PATHS = {
  '/api/v1/users/{id}/api-tokens': {
    post: {
      summary:
        'Create a long-lived API token for an integration, acting as this user with exactly the user’s roles; the token is shown only here. Audited (api_token.create). Refused (403) when asked with an API token',
      parameters: [userId],
      requestBody: { required: true, content: json(ref('NewApiToken')) },
      responses: {
        '201': ok('The token (`token`, shown only once) and its record', ref('IssuedApiToken')),
        '400': problem(
          'Invalid body: a name is needed; expires_at must be later than now and within auth.api_tokens.max_days',
        ),
        ...manager,
      },
    },
    get: {
      summary: 'The user’s API tokens, newest first, revoked and expired ones included; never the secret, only a hint',
      parameters: [userId],
      responses: {
        '200': ok('The tokens', {
          type: 'object',
          required: ['api_tokens'],
          properties: { api_tokens: { type: 'array', items: ref('ApiToken') } },
        }),
        ...manager,
      },
    },
  },
  '/api/v1/users/{id}/api-tokens/{tokenId}': {
    delete: {
      summary:
        'Revoke an API token: it stops working at once (streams held with it end). Audited (api_token.revoke); revoking again keeps the first time',
      parameters: [userId, tokenId],
      responses: { '200': ok('The token as revoked', ref('ApiToken')), ...manager },
    },
  },
};

const apiToken = {
  id: { type: 'string', format: 'uuid' },
  user_id: { type: 'string' },
  name: { type: 'string' },
  hint: { type: 'string', description: '`glt_…` and the last four characters of the secret', example: 'glt_…x9Qa' },
  created_by: { type: 'string', description: 'admin, user:<id> or cli' },
  created_at: { type: 'string', format: 'date-time' },
  expires_at: { type: 'string', format: 'date-time' },
  last_used_at: { type: ['string', 'null'], format: 'date-time', description: 'Recorded at most once a minute' },
  revoked_at: { type: ['string', 'null'], format: 'date-time' },
};
const required = [
  'id',
  'user_id',
  'name',
  'hint',
  'created_by',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
];

export const API_TOKEN_SCHEMAS = {
  NewApiToken: schema(NewApiTokenBody),
  ApiToken: { type: 'object', required, properties: apiToken },
  IssuedApiToken: {
    type: 'object',
    required: [...required, 'token'],
    properties: {
      ...apiToken,
      token: {
        type: 'string',
        description: 'Send as `Authorization: Bearer glt_…`; shown only in this answer',
        example: 'glt_3q2-7wEAAAAA1ZxqB0v1mH5n8wT4kY2cR6sJ9pL0dFg',
      },
    },
  },
};
