import { problem } from '../http/openapi-parts.js';

const code = { name: 'code', in: 'path', required: true, schema: { type: 'string' }, example: '320803001001' };
const json = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
const refused = {
  '401': problem('No token or session'),
  '403': problem(
    'The community is outside the caller’s roles (its property manager, or an operator or district admin over it)',
  ),
  '503': problem('The database is unavailable: retry later'),
};

const Alert = {
  type: 'object',
  required: ['gateway_id', 'alert_id', 'community', 'device_id', 'category', 'severity', 'policy', 'disposition'],
  properties: {
    gateway_id: { type: 'string' },
    alert_id: { type: 'string' },
    community: { type: 'string' },
    device_id: { type: 'string' },
    rule_id: { type: 'string' },
    category: { type: 'string' },
    severity: { type: 'string' },
    policy: { type: 'string', description: 'The device-event policy that decided when it was raised' },
    message: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
    place: { type: ['object', 'null'] },
    occurrences: { type: 'integer' },
    raised_at: { type: 'string', format: 'date-time' },
    last_seen: { type: 'string', format: 'date-time' },
    cleared_at: { type: ['string', 'null'], format: 'date-time' },
    clear_reason: { type: ['string', 'null'] },
    acknowledged: { type: ['object', 'null'], description: 'Who (user id and name) and when' },
    handled: { type: ['object', 'null'], description: 'Who, when, and the note of what was done' },
    disposition: {
      type: 'string',
      enum: ['alert_only', 'held', 'incident', 'other'],
      description:
        '`alert_only`: no incident by policy, the property’s alone; `held`: counting below a repeat threshold; `incident`: evidence of one',
    },
    incident_id: { type: ['string', 'null'] },
  },
};

const alertAction = (summary: string, body?: object) => ({
  post: {
    summary,
    parameters: [
      code,
      { name: 'gatewayId', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'alertId', in: 'path', required: true, schema: { type: 'string' } },
    ],
    ...(body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: body } } } }),
    responses: {
      '200': json('The alert as it is now', { type: 'object', properties: { alert: Alert } }),
      '400': problem('Invalid body'),
      ...refused,
      '403': problem('Not a property manager of this community: only they acknowledge and handle its alerts'),
      '404': problem('No such alert in the community'),
    },
  },
});

/** The property manager's routes for `/openapi.json`. */
export const PROPERTY_PATHS = {
  '/api/v1/communities/{code}/property/overview': {
    get: {
      summary:
        'The community at a glance: devices by building, unit and floor with their condition, counts (online, offline, low battery, fault), offline and low-battery lists with since when, gateways with link and outbox depth',
      parameters: [code],
      responses: { '200': json('The overview'), '404': problem('Not a community code'), ...refused },
    },
  },
  '/api/v1/communities/{code}/alerts': {
    get: {
      summary:
        'The community’s gateway alerts, newest first, whatever their policy made of them (alert_only ones included)',
      parameters: [
        code,
        { name: 'open', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
        { name: 'device', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: {
        '200': json('The alerts', { type: 'object', properties: { alerts: { type: 'array', items: Alert } } }),
        '400': problem('Invalid query parameters'),
        ...refused,
      },
    },
  },
  '/api/v1/communities/{code}/alerts/{gatewayId}/{alertId}/acknowledge': alertAction(
    'The property manager has seen the alert and is on it (the first acknowledgement stands; audited)',
  ),
  '/api/v1/communities/{code}/alerts/{gatewayId}/{alertId}/handle': alertAction(
    'The property manager handled the alert, saying what was done (audited)',
    { type: 'object', required: ['note'], properties: { note: { type: 'string', minLength: 1, maxLength: 1000 } } },
  ),
  '/api/v1/communities/{code}/property/devices/{deviceId}': {
    get: {
      summary: 'A device’s page: the device, its availability intervals, health summaries, alerts and tickets',
      parameters: [code, { name: 'deviceId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': json('The device and its history'), '404': problem('No such device'), ...refused },
    },
  },
  '/api/v1/communities/{code}/property/devices/{deviceId}/readings': {
    get: {
      summary:
        'A device’s readings (temperature, pressure, water level…) as window summaries (min, max, mean, last, count), a series per field with its zh-CN and English name and unit',
      parameters: [
        code,
        { name: 'deviceId', in: 'path', required: true, schema: { type: 'string' } },
        {
          name: 'hours',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 2160, default: 24 },
          description: 'The last this many hours (up to 90 days)',
        },
      ],
      responses: {
        '200': json('The series, none when the device sent no readings in the period'),
        '400': problem('Invalid hours'),
        '404': problem('No such device'),
        ...refused,
      },
    },
  },
  '/api/v1/communities/{code}/property/kpis': {
    get: {
      summary:
        'The property’s KPIs per month (China time): device online rate, maintenance tickets closed on time, mean time to respond, alerts’ mean time to acknowledge; JSON or a CSV file',
      parameters: [
        code,
        { name: 'from', in: 'query', required: false, schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$' } },
        { name: 'to', in: 'query', required: false, schema: { type: 'string', pattern: '^\\d{4}-\\d{2}$' } },
        { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'csv'] } },
      ],
      responses: {
        '200': {
          description: 'One row per month',
          content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
        },
        '400': problem('Invalid months'),
        ...refused,
      },
    },
  },
  '/api/v1/communities/{code}/property/stream': {
    get: {
      summary:
        'Server-Sent Events: `changed` whenever the community’s devices, alerts, gateway health or maintenance tickets change (read the pages again)',
      parameters: [code],
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } }, ...refused },
    },
  },
};
