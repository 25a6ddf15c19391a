import { CallbackVerdictBody } from '@gridlink/protocol';
import { json, ok, problem, schema, unavailable } from '../http/openapi-parts.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };

const QueueItem = {
  type: 'object',
  properties: {
    id: text,
    version: { type: 'integer' },
    title: text,
    category: text,
    source: { ...text, description: 'The channel the incident came through (hotline_12345, patrol, iot…)' },
    community: nullableText,
    grid: nullableText,
    address: nullableText,
    closed_at: instant,
    due_by: { ...nullableText, format: 'date-time', description: 'The callback’s time limit' },
    light: { type: ['string', 'null'], enum: ['green', 'yellow', 'red', null] },
    reporter_phone_masked: { ...nullableText, description: '138****1234; null when the reporter left no number' },
    may_reveal: { type: 'boolean' },
  },
};

const idParameter = { name: 'id', in: 'path', required: true, schema: text, description: 'The incident id' };
const signedIn = { '401': problem('No session, or an ended one'), ...unavailable };

const Verdict = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['callbackSatisfied', 'callbackUnsatisfied'] },
    channel: { type: 'string', enum: ['agent', 'visit', 'resident', 'hotline'] },
    satisfaction: { type: 'string', enum: ['satisfied', 'basically_satisfied', 'unsatisfied'] },
    solved: { type: 'boolean' },
    note: nullableText,
    at: instant,
    by: { ...nullableText, description: 'The user who gave it; null when the cloud recorded it (a resident’s rating)' },
  },
};

/** The callback routes for `/openapi.json`. */
export const CALLBACK_PATHS = {
  '/api/v1/callbacks/{id}/verdicts': {
    get: {
      summary: 'The callback verdicts given on an incident, from every channel, oldest first (anyone who may see it)',
      parameters: [idParameter],
      responses: {
        '200': ok('The verdicts', { type: 'object', properties: { items: { type: 'array', items: Verdict } } }),
        '404': problem('No such incident in the caller’s scope'),
        ...signedIn,
      },
    },
  },
  '/api/v1/callbacks/queue': {
    get: {
      summary:
        'Closed incidents the caller may call back (回访), oldest first, with the callback’s deadline and light and the reporter’s masked phone (callback agents; operators when the tenant’s centre calls back)',
      responses: {
        '200': ok('The queue', { type: 'object', properties: { items: { type: 'array', items: QueueItem } } }),
        '403': problem('The caller has no callback role'),
        ...signedIn,
      },
    },
  },
  '/api/v1/callbacks/{id}/reveal-contact': {
    post: {
      summary: 'The reporter’s full phone number, for the call; each reveal is audited (callback.reveal_contact)',
      parameters: [idParameter],
      responses: {
        '200': ok('The number', { type: 'object', properties: { incident_id: text, phone: text } }),
        '404': problem('No such incident due for a callback by the caller, or the reporter left no number'),
        ...signedIn,
      },
    },
  },
  '/api/v1/callbacks/{id}/verdict': {
    post: {
      summary:
        'Records the callback’s verdict: satisfied or basically satisfied and solved closes the loop (callbackSatisfied); unsatisfied or not solved is callbackUnsatisfied, which the tenant’s policy sends back for rework or only records',
      parameters: [idParameter],
      requestBody: { required: true, content: json(schema(CallbackVerdictBody)) },
      responses: {
        '200': ok('The step taken', {
          type: 'object',
          properties: {
            incident_id: text,
            action: text,
            state: text,
            version: { type: 'integer' },
            repeated: { type: 'boolean' },
          },
        }),
        '400': problem('A field of the verdict is missing or wrong: the error names it'),
        '404': problem('No such incident due for a callback by the caller'),
        '409': problem('The incident changed meanwhile'),
        ...signedIn,
      },
    },
  },
};
