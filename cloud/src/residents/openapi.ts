import {
  PhoneCodeRequest,
  ResidentRatingRequest,
  ResidentReportRequest,
  ResidentStatus,
  Satisfaction,
} from '@gridlink/protocol';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };
const names = { type: 'object', properties: { zh: text, en: text } };
const code = {
  name: 'code',
  in: 'path',
  required: true,
  schema: text,
  description: 'The tracking code the report gave',
};
const incident = { name: 'id', in: 'path', required: true, schema: text };
const limited = problem(
  'A limit was reached (GL_RESIDENT_LIMITED): the detail names it, Retry-After says when to retry',
);
const open311Error = (description: string) => ({
  description,
  content: json({
    type: 'array',
    items: { type: 'object', properties: { code: { type: 'integer' }, description: text } },
  }),
});
const open311Request = {
  type: 'object',
  properties: {
    service_request_id: text,
    status: { type: 'string', enum: ['open', 'closed'] },
    service_code: text,
    service_name: text,
    requested_datetime: instant,
    updated_datetime: instant,
    lat: { type: ['number', 'null'], description: 'Rounded to 3 decimals (about 100 m)' },
    long: { type: ['number', 'null'] },
  },
};

export const RESIDENT_SCHEMAS = {
  ResidentTracking: {
    type: 'object',
    description: 'A report as its resident follows it: no names, no incident id',
    properties: {
      tracking_code: text,
      category: { type: 'object', properties: { code: text, name: names } },
      status: schema(ResidentStatus),
      reported_at: instant,
      steps: {
        type: 'array',
        items: { type: 'object', properties: { status: schema(ResidentStatus), at: { type: ['string', 'null'] } } },
      },
      result: {
        type: ['object', 'null'],
        properties: {
          text: nullableText,
          photos: { type: 'array', items: { type: 'object', properties: { url: text, media_type: text } } },
        },
      },
      rating: {
        type: ['object', 'null'],
        properties: { satisfaction: schema(Satisfaction), solved: { type: 'boolean' }, note: nullableText },
      },
      can_rate: { type: 'boolean' },
    },
  },
};

export const RESIDENT_PATHS = {
  '/api/v1/residents/categories': {
    get: {
      summary: 'Categories residents may report (public)',
      responses: { '200': ok('The categories', { type: 'object' }), ...unavailable },
    },
  },
  '/api/v1/residents/communities': {
    get: {
      summary: 'Communities to choose when the position does not say, and whether SMS confirmation is offered (public)',
      responses: { '200': ok('The communities', { type: 'object' }), ...unavailable },
    },
  },
  '/api/v1/residents/phone-codes': {
    post: {
      summary: 'Sends a 6-digit SMS code to confirm a phone (public; once a minute, valid 5 minutes, 5 tries)',
      requestBody: { required: true, content: json(schema(PhoneCodeRequest)) },
      responses: {
        '202': ok('Sent', { type: 'object' }),
        '400': problem('Not a mobile number'),
        '429': limited,
        '503': problem('No SMS provider: report anonymously'),
      },
    },
  },
  '/api/v1/residents/photos': {
    post: {
      summary: 'Uploads a photo for a report (public; JPEG, PNG or WebP; the same photo many times is refused)',
      requestBody: {
        required: true,
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      },
      responses: {
        '201': ok('Kept until the report takes it (a day)', { type: 'object' }),
        '409': problem('The same photo was sent too often (GL_RESIDENT_DUPLICATE_PHOTO), Retry-After'),
        '413': problem('Too large'),
        '415': problem('Not a photo'),
        '429': limited,
      },
    },
  },
  '/api/v1/residents/reports': {
    post: {
      summary:
        'Files a resident report: a REPORTED incident of source resident; answers the tracking code once (public)',
      requestBody: { required: true, content: json(schema(ResidentReportRequest)) },
      responses: {
        '201': ok('Filed', {
          type: 'object',
          properties: { tracking_code: text, status: text, sms_sent: { type: 'boolean' } },
        }),
        '400': problem('A field is wrong, or the SMS code is wrong, expired or used up (GL_RESIDENT_CODE_REFUSED)'),
        '429': limited,
      },
    },
  },
  '/api/v1/residents/track/{code}': {
    get: {
      summary: 'A report by its tracking code (public); unknown codes and others’ alike are not found',
      parameters: [code],
      responses: { '200': ok('The report', ref('ResidentTracking')), '404': problem('No such report') },
    },
  },
  '/api/v1/residents/track/{code}/photos/{id}': {
    get: {
      summary: 'A photo of the result, once closed (public, with the tracking code)',
      parameters: [code, { name: 'id', in: 'path', required: true, schema: text }],
      responses: { '200': { description: 'The photo' }, '404': problem('No such photo') },
    },
  },
  '/api/v1/residents/track/{code}/rating': {
    post: {
      summary: 'The resident rates the closed report, once; applied to the callback when one waits',
      parameters: [code],
      requestBody: { required: true, content: json(schema(ResidentRatingRequest)) },
      responses: {
        '201': ok('Kept; `applied` says whether it was the callback (the first verdict) or only kept', {
          type: 'object',
          properties: {
            applied: { type: 'string', enum: ['callback', 'kept'] },
            explanation: { type: 'string' },
          },
        }),
        '404': problem('No such report'),
        '409': problem('Not closed yet, or rated already (GL_RESIDENT_RATING_REFUSED)'),
      },
    },
  },
  '/api/v1/residents/incidents/{id}': {
    get: {
      summary: 'Staff: the resident report behind an incident, phone masked (138****1234)',
      security: [{ bearer: [] }],
      parameters: [incident],
      responses: { '200': ok('The report', { type: 'object' }), '404': problem('No resident report you may see') },
    },
  },
  '/api/v1/residents/incidents/{id}/reveal': {
    post: {
      summary: 'Staff: the reporter’s phone in clear, to call back (audited)',
      security: [{ bearer: [] }],
      parameters: [incident],
      responses: { '200': ok('The phone', { type: 'object' }), '403': problem('Not for your roles') },
    },
  },
  '/api/v1/open311/v2/services.json': {
    get: { summary: 'Open311 GeoReport v2: service list', responses: { '200': ok('Services', { type: 'array' }) } },
  },
  '/api/v1/open311/v2/services/{code}.json': {
    get: {
      summary: 'Open311: a service definition (no attributes)',
      parameters: [{ name: 'code', in: 'path', required: true, schema: text }],
      responses: { '200': ok('Definition', { type: 'object' }), '404': open311Error('Unknown service') },
    },
  },
  '/api/v1/open311/v2/requests.json': {
    get: {
      summary:
        'Open311: requests filed through Open311 (at most 1000; service_request_id, service_code, status, start_date, end_date)',
      responses: { '200': ok('Requests', { type: 'array', items: open311Request }), '400': open311Error('Bad query') },
    },
    post: {
      summary: 'Open311: files a request (form-encoded or JSON; api_key is an API token of the cloud)',
      responses: {
        '201': ok('Filed', { type: 'array' }),
        '400': open311Error('A parameter is wrong'),
        '403': open311Error('api_key missing or not valid'),
        '429': open311Error('Too many requests (Retry-After)'),
      },
    },
  },
  '/api/v1/open311/v2/requests/{id}.json': {
    get: {
      summary: 'Open311: one request',
      parameters: [{ name: 'id', in: 'path', required: true, schema: text }],
      responses: {
        '200': ok('The request', { type: 'array', items: open311Request }),
        '404': open311Error('Not found'),
      },
    },
  },
  '/api/v1/open311/v2/tokens/{token}.json': {
    get: {
      summary: 'Open311: the request id a token names',
      parameters: [{ name: 'token', in: 'path', required: true, schema: text }],
      responses: { '200': ok('The request id', { type: 'array' }), '404': open311Error('Not found') },
    },
  },
};
