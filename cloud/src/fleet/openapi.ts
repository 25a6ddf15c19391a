import { problem } from '../http/openapi-parts.js';
import { TROUBLES } from './trouble.js';

const count = { type: 'integer', minimum: 0 };
const nullableCount = { type: ['integer', 'null'], minimum: 0 };

const FleetGateway = {
  type: 'object',
  required: [
    'gateway_id',
    'community',
    'last_contact_at',
    'link',
    'version',
    'outbox',
    'devices',
    'cameras',
    'token_age_days',
    'troubles',
  ],
  properties: {
    gateway_id: { type: 'string' },
    name: { type: ['string', 'null'] },
    community: { type: ['string', 'null'], description: 'The community it serves (null: not assigned yet)' },
    last_contact_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'Anything heard from it (null: never)',
    },
    link: {
      type: 'string',
      enum: ['up', 'down', 'silent'],
      description:
        '`down`: no report for over two health periods; `silent`: nothing past the tenant’s silent threshold, or never',
    },
    version: { type: ['string', 'null'] },
    outbox: {
      type: ['object', 'null'],
      properties: { alarm: count, state: count, telemetry: count, total: count },
    },
    devices: { type: 'object', properties: { online: count, total: count } },
    cameras: {
      type: ['object', 'null'],
      properties: { configured: count, online: count, authenticated: nullableCount, subscribed: nullableCount },
    },
    token_age_days: { type: ['integer', 'null'] },
    health_observed_at: { type: ['string', 'null'], format: 'date-time' },
    troubles: {
      type: 'array',
      description: 'Worst first; the list is sorted by the first, then how bad (`weight`)',
      items: {
        type: 'object',
        properties: { trouble: { type: 'string', enum: [...TROUBLES] }, weight: { type: 'number' } },
      },
    },
  },
};

const thresholds = {
  type: 'object',
  properties: {
    silentMinutes: count,
    linkDownMinutes: count,
    outboxBacklog: count,
    devicesOfflineRatio: { type: 'number' },
    tokenOldDays: count,
  },
};

const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } });

/** The fleet's routes for `/openapi.json`. */
export const FLEET_PATHS = {
  '/api/v1/fleet/gateways': {
    get: {
      summary:
        'The gateway fleet, trouble first (silent, link down, outbox backlog, devices offline, cameras not subscribed, old token): admin token, district/street administrators and operators over the gateways’ communities, installers for theirs',
      responses: {
        '200': json('The gateways in the caller’s scope', {
          type: 'object',
          required: ['gateways', 'thresholds', 'as_of'],
          properties: { gateways: { type: 'array', items: FleetGateway }, thresholds, as_of: { type: 'string' } },
        }),
        '401': problem('No token or session'),
        '403': problem('The caller has no role that sees gateways'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
  '/api/v1/fleet/gateways/{id}': {
    get: {
      summary:
        'One gateway of the fleet with its history: health reports (oldest first), contact gaps, version changes',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'gw-320803-001' },
        {
          name: 'days',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 30, default: 7 },
        },
      ],
      responses: {
        '200': json('The gateway and its history', {
          type: 'object',
          required: ['gateway', 'health', 'gaps', 'versions'],
          properties: {
            gateway: FleetGateway,
            health: { type: 'array', items: { type: 'object' } },
            gaps: {
              type: 'array',
              items: {
                type: 'object',
                properties: { from: { type: 'string' }, to: { type: 'string' }, minutes: count },
              },
            },
            versions: {
              type: 'array',
              items: {
                type: 'object',
                properties: { at: { type: 'string' }, from: { type: ['string', 'null'] }, to: { type: 'string' } },
              },
            },
            thresholds,
            since: { type: 'string' },
            as_of: { type: 'string' },
          },
        }),
        '400': problem('Invalid query parameters'),
        '401': problem('No token or session'),
        '403': problem('The caller has no role that sees gateways'),
        '404': problem('Unknown gateway, or one outside the caller’s scope'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
  '/api/v1/communities/{code}/maintenance/repeat-offenders': {
    get: {
      summary:
        'Devices of a community with two or more maintenance tickets (any origin) opened within the tenant’s repeat window, most tickets first',
      parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' }, example: '320803001001' }],
      responses: {
        '200': json('The repeat offenders', {
          type: 'object',
          required: ['community', 'window_days', 'devices'],
          properties: {
            community: { type: 'string' },
            window_days: count,
            devices: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  device_id: { type: 'string' },
                  gateway_id: { type: ['string', 'null'] },
                  tickets: count,
                  open: count,
                  categories: { type: 'array', items: { type: 'string' } },
                  last_opened_at: { type: 'string', format: 'date-time' },
                },
              },
            },
          },
        }),
        '401': problem('No token or session'),
        '403': problem('The community is outside the caller’s roles'),
        '404': problem('Not a community code'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
};
