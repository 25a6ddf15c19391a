import { problem } from '../http/openapi-parts.js';

const status = {
  name: 'status',
  in: 'query',
  required: false,
  description: 'Only devices in this state: active, retired, or missing (left out of the last complete full sync)',
  schema: { type: 'string', enum: ['active', 'retired', 'missing'] },
};

const Device = {
  type: 'object',
  required: ['device_id', 'community', 'gateway_id', 'device_kind', 'tags', 'status'],
  properties: {
    device_id: { type: 'string' },
    community: { type: 'string', pattern: '^\\d{12}$' },
    gateway_id: {
      type: 'string',
      description: 'The gateway that reported the device last (a replacement takes it over)',
    },
    device_kind: { type: 'string' },
    place: { type: ['object', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    status: {
      type: 'string',
      enum: ['active', 'retired', 'missing'],
      description: '`missing`: a complete full sync of its gateway left it out; the device is kept, never deleted',
    },
    inventory_observed_at: { type: ['string', 'null'], format: 'date-time' },
    availability: { type: ['string', 'null'], enum: ['online', 'offline', null] },
    availability_since: { type: ['string', 'null'], format: 'date-time' },
    health: {
      type: ['object', 'null'],
      properties: {
        observed_at: { type: 'string', format: 'date-time' },
        last_seen: { type: ['string', 'null'], format: 'date-time' },
        battery: { type: ['number', 'null'] },
        signal_dbm: { type: ['number', 'null'] },
        faults: { type: 'array', items: { type: 'string' } },
        tamper: { type: 'boolean' },
      },
    },
  },
};

const list = (extra: Record<string, unknown>, required: string[]) => ({
  description: 'The devices, by id',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: [...required, 'devices'],
        properties: { ...extra, devices: { type: 'array', items: Device } },
      },
    },
  },
});

/** The device inventory's routes for `/openapi.json`. */
export const DEVICE_PATHS = {
  '/api/v1/communities/{code}/devices': {
    get: {
      summary:
        'The devices of a community as its gateways report them: inventory, availability, newest health (admin token, or a role over the community; grid workers see their grids’ devices)',
      parameters: [
        { name: 'code', in: 'path', required: true, schema: { type: 'string' }, example: '320803001001' },
        status,
      ],
      responses: {
        '200': list({ community: { type: 'string' } }, ['community']),
        '400': problem('Invalid query parameters'),
        '401': problem('No token or session'),
        '403': problem('The community is outside the caller’s roles'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
  '/api/v1/communities/{code}/devices/{deviceId}': {
    get: {
      summary:
        'One device with its history: availability intervals (oldest first) and the health summaries still kept (newest first), the latest 200 of each',
      parameters: [
        { name: 'code', in: 'path', required: true, schema: { type: 'string' }, example: '320803001001' },
        { name: 'deviceId', in: 'path', required: true, schema: { type: 'string' }, example: 'smoke-b3-u2-0401' },
      ],
      responses: {
        '200': {
          description: 'The device, its availability intervals and health summaries',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['device', 'availability', 'health'],
                properties: {
                  device: Device,
                  availability: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        state: { type: 'string', enum: ['online', 'offline'] },
                        reason: { type: 'string' },
                        started_at: { type: 'string', format: 'date-time' },
                        ended_at: { type: ['string', 'null'], format: 'date-time' },
                      },
                    },
                  },
                  health: { type: 'array', items: { type: 'object' } },
                },
              },
            },
          },
        },
        '401': problem('No token or session'),
        '404': problem('No such device in the community, or one outside the caller’s roles'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
  '/api/v1/gateways/{id}/devices': {
    get: {
      summary:
        'The devices a gateway reported last, with the gateway’s newest health report (admin token, a role over its community, or its installer)',
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'gw-320803-001' },
        status,
      ],
      responses: {
        '200': list(
          {
            gateway_id: { type: 'string' },
            community: { type: ['string', 'null'] },
            health: { type: ['object', 'null'], description: 'cn.gridlink.gateway.health.v1 data, or null' },
          },
          ['gateway_id', 'community', 'health'],
        ),
        '400': problem('Invalid query parameters'),
        '401': problem('No token or session'),
        '404': problem('Unknown gateway, or one outside the caller’s roles'),
        '503': problem('The database is unavailable: retry later'),
      },
    },
  },
};
