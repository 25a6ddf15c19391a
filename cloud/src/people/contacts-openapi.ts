import { DISPATCH_SCHEMAS } from '../dispatch/openapi.js';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { ContactBody } from './contacts.js';

const unauthenticated = { '401': problem('No session or admin token, or an ended session') };
const userId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const unitId = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'unit-gas' };
const contactRefused = {
  ...unauthenticated,
  '403': problem('Neither the user nor a district admin over their territory'),
  ...unavailable,
};
const robotsRefused = (who: string) => ({
  ...unauthenticated,
  '403': problem(`Not ${who}`),
  '404': problem('No such disposal unit'),
  ...unavailable,
});

/** Users' phone contacts and disposal units' group robots, for `/openapi.json`. */
export const CONTACT_PATHS = {
  '/api/v1/users/{id}/contact': {
    get: {
      summary: 'The user’s phone number for SMS (the user, or a district admin over their territory); audited',
      parameters: [userId],
      responses: {
        '200': ok('The contact', ref('Contact')),
        ...contactRefused,
        '404': problem('No such user, or no phone number on file'),
      },
    },
    put: {
      summary: 'Set the user’s phone number: a mainland mobile number, 11 digits (optionally +86); audited without it',
      parameters: [userId],
      requestBody: { required: true, content: json(ref('ContactBody')) },
      responses: {
        '200': ok('The contact now', ref('Contact')),
        '400': problem('Not a mainland mobile number; `errors[]` points at /phone'),
        ...contactRefused,
        '404': problem('No such user'),
      },
    },
    delete: {
      summary: 'Remove the user’s phone number (no SMS after this)',
      parameters: [userId],
      responses: {
        '204': { description: 'Removed' },
        ...contactRefused,
        '404': problem('No such user, or no phone number on file'),
      },
    },
  },
  '/api/v1/disposal-units/{id}/robots': {
    get: {
      summary:
        'The disposal unit’s WeCom/DingTalk group robots (its users, district admins over its territory); webhooks and secrets are never returned',
      parameters: [unitId],
      responses: {
        '200': ok('The robots', ref('UnitRobots')),
        ...robotsRefused('a user of the unit or a district admin over its territory'),
      },
    },
    put: {
      summary:
        'Replace the unit’s robots (district admins over its territory); a webhook or secret left out is kept, `secret: null` clears it (write-only)',
      parameters: [unitId],
      requestBody: { required: true, content: json(ref('RobotList')) },
      responses: {
        '200': ok('The robots now', ref('UnitRobots')),
        '400': problem(
          'Invalid robots (a new robot needs its webhook; a webhook is https://qyapi.weixin.qq.com/… or https://oapi.dingtalk.com/…, or on a host the cloud’s robots.allowed_hosts lists); the errors never quote a webhook',
        ),
        ...robotsRefused('a district admin over the unit’s territory'),
      },
    },
  },
};

export const CONTACT_SCHEMAS = {
  ContactBody: schema(ContactBody),
  Contact: {
    type: 'object',
    required: ['user_id', 'phone', 'updated_at'],
    properties: {
      user_id: { type: 'string' },
      phone: { type: 'string', pattern: '^1[3-9]\\d{9}$' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  },
  UnitRobots: {
    type: 'object',
    required: ['disposal_unit', 'robots'],
    properties: {
      disposal_unit: { type: 'string' },
      robots: DISPATCH_SCHEMAS.CommunityRobots.properties.robots,
    },
  },
};
