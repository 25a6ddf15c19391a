import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { HELD_ALERT_READERS } from './held-alert-routes.js';
import { DeviceEventPolicyBody, DeviceEventPolicyTableBody } from './policy-table.js';

const unauthenticated = { '401': problem('No session or admin token, or an ended session') };
const invalid = (what: string) => problem(`${what}; \`errors[]\` names each field (JSON Pointer) and what it expects`);
const readers = 'a district_admin (any scope) or the admin token';
const tenantAdmin = 'the admin token or a district_admin over a whole district (6-digit scope)';

const category = {
  name: 'category',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'safety.ebike_elevator',
};

const storedRow = {
  allOf: [
    ref('DeviceEventPolicy'),
    {
      type: 'object',
      required: ['category', 'updated_at'],
      properties: { category: { type: 'string' }, updated_at: { type: 'string', format: 'date-time' } },
    },
  ],
};
const table = {
  type: 'object',
  required: ['policies'],
  properties: { policies: { type: 'array', items: storedRow } },
};

/** The device-event policy table (docs/domain.md §7) and its repeat thresholds, for `/openapi.json`. */
export const POLICY_PATHS = {
  '/api/v1/device-event-policies': {
    get: {
      summary: `Every row of the device-event policy table: what each alert category becomes and its repeat threshold (${readers})`,
      responses: {
        '200': ok('The rows, by category code', table),
        ...unauthenticated,
        '403': problem(`Not ${readers}`),
        ...unavailable,
      },
    },
    put: {
      summary: `Replace the whole table (${tenantAdmin}): categories left out lose their row and follow their nearest parent's, else auto_incident. Audited with the table before and after; counts from the next alert on`,
      requestBody: { required: true, content: json(ref('DeviceEventPolicyTable')) },
      responses: {
        '200': ok('The table now', table),
        '400': invalid('An invalid row, or a category given twice'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
  '/api/v1/device-event-policies/{category}': {
    get: {
      summary: `One row of the table (${readers})`,
      parameters: [category],
      responses: {
        '200': ok('The row', storedRow),
        ...unauthenticated,
        '403': problem(`Not ${readers}`),
        '404': problem('No row for that category: its alerts follow the nearest parent category’s row'),
        ...unavailable,
      },
    },
    put: {
      summary: `Create or replace one row (${tenantAdmin}). With \`repeat\`, alerts below the threshold are recorded and counted only; the one that reaches \`count\` within \`window\` over \`scope\` opens the incident with the window's earlier alerts as evidence. With \`after_hours\`, an alert whose own time falls in that local range (UTC+8; start inside, end not, across midnight when start > end) opens the incident at once. Audited with what was there before; counts from the next alert on`,
      parameters: [category],
      requestBody: { required: true, content: json(ref('DeviceEventPolicy')) },
      responses: {
        '201': ok('Created', storedRow),
        '200': ok('Replaced', storedRow),
        '400': invalid(
          'Not a category code, or an invalid row (e.g. a repeat threshold or after-hours range on a never row)',
        ),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
};

const heldAlert = {
  type: 'object',
  required: ['alert_id', 'category', 'policy_category', 'severity', 'occurred_at', 'recorded_at', 'incident_id'],
  properties: {
    alert_id: { type: 'string' },
    category: { type: 'string' },
    policy_category: { type: 'string', description: 'The policy row whose repeat threshold holds it' },
    severity: { type: 'string' },
    drill: { type: 'boolean' },
    gateway_id: { type: 'string' },
    device_id: { type: 'string' },
    community: { type: ['string', 'null'] },
    grid: { type: ['string', 'null'] },
    building: { type: ['string', 'null'] },
    occurred_at: { type: 'string', format: 'date-time' },
    recorded_at: { type: 'string', format: 'date-time' },
    incident_id: { type: ['string', 'null'], description: 'The incident it became evidence of; null while it counts' },
    alert: { type: 'object', description: 'The alert as the gateway sent it' },
  },
};

/** Alerts held below their repeat threshold, for `/openapi.json`. */
export const HELD_ALERT_PATHS = {
  '/api/v1/held-alerts': {
    get: {
      summary: `Alerts recorded below their policy's repeat threshold, newest first (${HELD_ALERT_READERS.join(', ')}; each sees only their territory: a property manager their community, a grid worker their grids). Each read is audited`,
      parameters: [
        { name: 'category', in: 'query', schema: { type: 'string' }, example: 'safety.access' },
        { name: 'community', in: 'query', schema: { type: 'string' }, example: '320803001001' },
        {
          name: 'pending',
          in: 'query',
          schema: { type: 'string', enum: ['true', 'false'] },
          description: 'true: only alerts still counting (no incident yet)',
        },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        {
          name: 'after',
          in: 'query',
          schema: { type: 'string' },
          description: 'The `next` of the previous page',
        },
      ],
      responses: {
        '200': ok('A page of held alerts', {
          type: 'object',
          required: ['held_alerts', 'next'],
          properties: {
            held_alerts: { type: 'array', items: heldAlert },
            next: { type: ['string', 'null'], description: 'Pass as `after` for the next page; null on the last' },
          },
        }),
        '400': problem('Invalid query; `errors[]` names each parameter'),
        '401': problem('No session, or an ended one'),
        '403': problem(`Not one of the roles ${HELD_ALERT_READERS.join(', ')}`),
        ...unavailable,
      },
    },
  },
};

export const POLICY_SCHEMAS = {
  DeviceEventPolicy: schema(DeviceEventPolicyBody),
  DeviceEventPolicyTable: schema(DeviceEventPolicyTableBody),
};
