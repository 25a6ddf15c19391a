import { HotlineExtensionAnswer, HotlineOrder, HotlinePushKind, HotlineUpdate } from '@gridlink/protocol';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { ExtensionRequestBody, NewPlatformBody, PlatformEditBody, ReturnBody } from './routes.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };
const ticket = {
  name: 'ticket',
  in: 'path',
  required: true,
  schema: text,
  description: "The platform's ticket number",
};
const incidentId = { name: 'id', in: 'path', required: true, schema: text };
const refused = {
  '400': problem('A field is missing or malformed; `errors[]` names it and the fix'),
  '401': problem('No token, or it ended'),
  '403': problem('Not a hotline platform’s account, or outside its territory'),
  ...unavailable,
};

const Filed = {
  type: 'object',
  properties: { ticket: text, incident_id: text, created: { type: 'boolean', description: 'false on a replay' } },
};

const HotlinePushView = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: schema(HotlinePushKind),
    status: { type: 'string', enum: ['delivered', 'pending'] },
    attempts: { type: 'integer', description: 'Posts tried so far (failed ones and the delivering one)' },
    last_error: nullableText,
    created_at: instant,
    delivered_at: { type: ['string', 'null'], format: 'date-time' },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

const HotlineOrderView = {
  type: 'object',
  description: 'An order as staff see it: the caller and phones inside the content masked (138****1234)',
  properties: {
    id: text,
    platform: { type: 'object', properties: { id: text, name: text } },
    ticket: text,
    channel: text,
    incident_id: text,
    caller_masked: text,
    content_masked: text,
    platform_category: text,
    platform_deadline: { type: ['string', 'null'], format: 'date-time' },
    status: { type: 'string', enum: ['open', 'returned', 'withdrawn', 'closed'] },
    applied_seq: { type: 'integer' },
    urge_count: { type: 'integer' },
    supplements: { type: 'array', items: { type: 'object' } },
    extension: { type: ['object', 'null'] },
    created_at: instant,
  },
};

export const HOTLINE_SCHEMAS = {
  HotlineOrder: schema(HotlineOrder),
  HotlineOrderView,
  HotlinePushView,
};

export const HOTLINE_PATHS = {
  '/api/v1/hotline/platforms': {
    post: {
      summary:
        'Register a hotline platform (admin token or a district admin of its territory); the webhook secret is returned once',
      requestBody: { required: true, content: json(schema(NewPlatformBody)) },
      responses: {
        '201': ok('The platform, with `secret` (shown only here)', { type: 'object' }),
        '409': problem('A platform with this id or user exists'),
        ...refused,
      },
    },
  },
  '/api/v1/hotline/platforms/{id}': {
    put: {
      summary: 'Replace a platform’s name, webhook and category map; rotates its secret (returned once)',
      parameters: [{ name: 'id', in: 'path', required: true, schema: text }],
      requestBody: { required: true, content: json(schema(PlatformEditBody)) },
      responses: {
        '200': ok('The platform, with its new `secret` (shown only here)', { type: 'object' }),
        '404': problem('No such platform that you administer'),
        ...refused,
      },
    },
  },
  '/api/v1/hotline/orders': {
    post: {
      summary: 'A hotline platform files an order: idempotent on (platform, ticket)',
      requestBody: { required: true, content: json(ref('HotlineOrder')) },
      responses: {
        '201': ok('Filed as a new incident', Filed),
        '200': ok('A replay: the incident filed the first time', Filed),
        '409': problem('A replay whose content differs (`errors[0].pointer` names the field)'),
        ...refused,
      },
    },
  },
  '/api/v1/hotline/orders/{ticket}/updates': {
    post: {
      summary:
        'An update of an order (supplement, urge 催办, withdraw), applied in `seq` order whatever the arrival order',
      parameters: [ticket],
      requestBody: { required: true, content: json(schema(HotlineUpdate)) },
      responses: {
        '202': ok('Stored; applied up to `applied_seq`, `held` wait for a gap', { type: 'object' }),
        '200': ok('A replay of a stored update: nothing changed', { type: 'object' }),
        '404': problem('No such order of this platform'),
        '409': problem('A replay with other content'),
        ...refused,
      },
    },
  },
  '/api/v1/hotline/orders/{ticket}/extension-answer': {
    post: {
      summary: 'The platform answers the pending extension request; approved, the incident’s limit grows',
      parameters: [ticket],
      requestBody: { required: true, content: json(schema(HotlineExtensionAnswer)) },
      responses: {
        '200': ok('The extension as answered', { type: 'object' }),
        '404': problem('No such order of this platform'),
        '409': problem('No extension request is pending'),
        ...refused,
      },
    },
  },
  '/api/v1/incidents/{id}/hotline': {
    get: {
      summary: 'The hotline order of an incident (masked), its push-back log and whether the caller may reveal',
      parameters: [incidentId],
      responses: {
        '200': ok('The order', {
          type: 'object',
          properties: {
            order: ref('HotlineOrderView'),
            pushes: { type: 'array', items: ref('HotlinePushView') },
            may_reveal: { type: 'boolean' },
          },
        }),
        '404': problem('No such incident in your scope, or it came from no hotline'),
        ...refused,
      },
    },
  },
  '/api/v1/incidents/{id}/hotline/reveal': {
    post: {
      summary:
        'The caller’s name and phone and the content in clear: callback agents of the place (and its operators when the centre calls back); audited',
      parameters: [incidentId],
      responses: {
        '200': ok('In clear', {
          type: 'object',
          properties: { caller_name: text, caller_phone: text, content: text },
        }),
        '404': problem('No such incident in your scope, or it came from no hotline'),
        ...refused,
      },
    },
  },
  '/api/v1/incidents/{id}/hotline/return': {
    post: {
      summary: '退单: an operator of the place returns a misrouted order to the platform with a reason',
      parameters: [incidentId],
      requestBody: { required: true, content: json(schema(ReturnBody)) },
      responses: {
        '200': ok('Returned; the incident is INVALID and the platform is told', { type: 'object' }),
        '404': problem('No such incident in your scope, or it came from no hotline'),
        '409': problem('Too late: the order was filed onward, or is no longer open'),
        ...refused,
      },
    },
  },
  '/api/v1/incidents/{id}/hotline/extension': {
    post: {
      summary: '延期申请: an operator of the place asks the platform for a later deadline',
      parameters: [incidentId],
      requestBody: { required: true, content: json(schema(ExtensionRequestBody)) },
      responses: {
        '202': ok('Asked; the platform answers on /hotline/orders/{ticket}/extension-answer', { type: 'object' }),
        '404': problem('No such incident in your scope, or it came from no hotline'),
        '409': problem('A request is already pending'),
        ...refused,
      },
    },
  },
};
