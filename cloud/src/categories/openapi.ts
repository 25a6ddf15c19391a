import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { CategoryBody } from './routes.js';
import { Limit, TimeLimitRule } from './schema.js';

const session = { '401': problem('No session, or an ended one'), ...unavailable };
const unauthenticated = { '401': problem('No session or admin token, or an ended session') };
const invalid = (what: string) => problem(`${what}; \`errors[]\` names each field (JSON Pointer) and what it expects`);
const tenantAdmin = 'the admin token or a district_admin over a whole district (6-digit scope)';
const name = { type: 'object', required: ['zh', 'en'], properties: { zh: { type: 'string' }, en: { type: 'string' } } };

const categoryCode = {
  name: 'code',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'urban_management.manhole_cover',
};

/** The category catalogue (the list every page reads, the edits) and the time limits, for `/openapi.json`. */
export const CATEGORY_PATHS = {
  '/api/v1/categories': {
    get: {
      summary: 'The tenant’s active incident categories (any signed-in user)',
      responses: {
        '200': ok('The categories, by code', {
          type: 'object',
          required: ['categories'],
          properties: {
            categories: {
              type: 'array',
              items: {
                type: 'object',
                required: ['code', 'parent', 'level', 'name', 'default_severity', 'allowed_sources'],
                properties: {
                  code: { type: 'string' },
                  parent: { type: ['string', 'null'] },
                  level: { type: 'integer' },
                  name,
                  default_severity: { type: 'string' },
                  allowed_sources: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        }),
        ...session,
      },
    },
  },

  '/api/v1/category-catalogue': {
    get: {
      summary:
        'The whole catalogue as administrators edit it: every category, inactive ones included, with every field and its parent and level (district_admin, or the admin token)',
      responses: {
        '200': ok('The categories, by code', {
          type: 'object',
          required: ['categories'],
          properties: { categories: { type: 'array', items: { type: 'object' } } },
        }),
        ...unauthenticated,
        '403': problem('Not a district_admin'),
        ...unavailable,
      },
    },
  },
  '/api/v1/categories/{code}': {
    get: {
      summary: 'One category of the catalogue, inactive ones included (any signed-in user)',
      parameters: [categoryCode],
      responses: {
        '200': ok('The category', { type: 'object' }),
        ...unauthenticated,
        '404': problem('No such category'),
        ...unavailable,
      },
    },
    put: {
      summary: `Create or replace a category (${tenantAdmin}); its parent (the code without its last level) must exist. Audited with what was there before`,
      parameters: [categoryCode],
      requestBody: { required: true, content: json(ref('CategoryBody')) },
      responses: {
        '201': ok('Created', { type: 'object' }),
        '200': ok('Replaced', { type: 'object' }),
        '400': invalid('Not a category code, an invalid category, or its parent is missing'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
  '/api/v1/time-limits': {
    get: {
      summary: 'Every time-limit rule: category × severity × step (`*` is any), the most specific wins',
      responses: {
        '200': ok('The rules, tenant defaults first', {
          type: 'object',
          required: ['time_limits'],
          properties: { time_limits: { type: 'array', items: ref('TimeLimitRule') } },
        }),
        ...unauthenticated,
        ...unavailable,
      },
    },
    put: {
      summary: `Set one time-limit rule (${tenantAdmin}); deadlines written from then on use it`,
      requestBody: { required: true, content: json(ref('TimeLimitRule')) },
      responses: {
        '201': ok('A new rule', ref('TimeLimitRule')),
        '200': ok('The rule’s limit replaced', ref('TimeLimitRule')),
        '400': invalid('An invalid rule, or an unknown category'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
  '/api/v1/time-limits/{category}/{severity}/{step}': {
    delete: {
      summary: `Remove an override (${tenantAdmin}): the next less specific rule applies; the tenant defaults (* × *) stay`,
      parameters: [
        { name: 'category', in: 'path', required: true, schema: { type: 'string' }, example: 'safety.fire_lane' },
        { name: 'severity', in: 'path', required: true, schema: { type: 'string' }, example: '*' },
        { name: 'step', in: 'path', required: true, schema: { type: 'string' }, example: 'handle' },
      ],
      responses: {
        '204': { description: 'Removed' },
        '400': invalid('Not a rule, or a tenant default'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        '404': problem('No such rule'),
        ...unavailable,
      },
    },
  },
};

export const CATEGORY_SCHEMAS = {
  CategoryBody: schema(CategoryBody),
  TimeLimitRule: schema(TimeLimitRule),
  Limit: schema(Limit),
};
