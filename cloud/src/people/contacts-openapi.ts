import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { ContactBody } from './contacts.js';

const unauthenticated = { '401': problem('No session or admin token, or an ended session') };
const userId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const contactRefused = {
  ...unauthenticated,
  '403': problem('Neither the user nor a district admin over their territory'),
  ...unavailable,
};

/** Users' phone contacts, for `/openapi.json`. */
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
};
