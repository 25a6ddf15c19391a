import {
  DISPUTE_TYPES,
  FOLLOW_UP_RESULTS,
  FollowUpResultBody,
  MEDIATION_LEVELS,
  MEDIATION_OUTCOMES,
  MEDIATION_REFERRALS,
  MediationCaseQuery,
  MediationOutcomeBody,
  MediationSettings,
  NewFollowUp,
  NewMediationCase,
  NewMediationParty,
  NewMediationSession,
} from '@gridlink/protocol';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };
const nullableInstant = { type: ['string', 'null'], format: 'date-time' };
const names = { type: 'object', properties: { zh: text, en: text } };
const uuid = { type: 'string', format: 'uuid' };

const MediationParty = {
  type: 'object',
  description:
    'A party as every page shows it: masked (张* 138****1234 1101**********1234); erased ones keep a tombstone',
  properties: {
    id: uuid,
    role: { type: 'string', enum: ['applicant', 'respondent', 'other'] },
    name_masked: nullableText,
    phone_masked: nullableText,
    id_number_masked: nullableText,
    consent: { type: 'string', enum: ['given', 'withdrawn'] },
    erased: { type: ['string', 'null'], enum: ['withdrawn', 'retention', null] },
    erased_at: nullableInstant,
  },
};

const MediationCase = {
  type: 'object',
  properties: {
    id: uuid,
    incident_id: text,
    territory: { ...text, description: 'The incident’s grid, else its community' },
    dispute_type: { type: 'string', enum: DISPUTE_TYPES },
    dispute_type_name: names,
    level: { type: 'string', enum: MEDIATION_LEVELS },
    level_name: names,
    state: { type: 'string', enum: ['open', 'closed'] },
    mediator: { type: 'object', properties: { id: text, name: text } },
    summary: nullableText,
    opened_by: text,
    opened_at: instant,
    outcome: { type: ['string', 'null'], enum: [...MEDIATION_OUTCOMES, null] },
    outcome_note: nullableText,
    referral: { type: ['string', 'null'], enum: [...MEDIATION_REFERRALS, null] },
    referred_from: { type: ['string', 'null'] },
    referred_to: { type: ['string', 'null'] },
    closed_at: nullableInstant,
    has_agreement: { type: 'boolean' },
    parties: { type: 'array', items: ref('MediationParty') },
  },
};

const MediationCaseDetail = {
  allOf: [
    ref('MediationCase'),
    {
      type: 'object',
      properties: {
        incident: { type: 'object', properties: { id: text, title: text, category: text } },
        sessions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: uuid,
              held_at: instant,
              place: text,
              attendee_ids: { type: 'array', items: uuid },
              notes: nullableText,
              recorded_by: text,
            },
          },
        },
        follow_ups: { type: 'array', items: ref('MediationFollowUp') },
        agreement: {
          type: ['object', 'null'],
          properties: {
            id: uuid,
            media_type: text,
            name: text,
            size_bytes: { type: 'integer' },
            uploaded_at: instant,
            url: { ...text, description: 'Works for 10 minutes, while the session lives; each view is audited' },
          },
        },
        history: {
          type: 'array',
          description: 'The cases this one was referred from, oldest first',
          items: {
            type: 'object',
            properties: { id: uuid, level: text, outcome: nullableText, closed_at: nullableInstant },
          },
        },
      },
    },
  ],
};

const MediationFollowUp = {
  type: 'object',
  properties: {
    id: uuid,
    due_on: { type: 'string', format: 'date' },
    result: { type: ['string', 'null'], enum: [...FOLLOW_UP_RESULTS, null] },
    note: nullableText,
    done_at: nullableInstant,
  },
};

export const MEDIATION_SCHEMAS = {
  MediationParty,
  MediationCase,
  MediationCaseDetail,
  MediationFollowUp,
  MediationNewCase: schema(NewMediationCase),
  MediationNewParty: schema(NewMediationParty),
  MediationNewSession: schema(NewMediationSession),
  MediationOutcome: schema(MediationOutcomeBody),
  MediationNewFollowUp: schema(NewFollowUp),
  MediationFollowUpResult: schema(FollowUpResultBody),
  MediationSettings: schema(MediationSettings),
};

const listParameters = Object.entries(
  (schema(MediationCaseQuery) as { properties: Record<string, object> }).properties,
).map(([name, body]) => ({ name, in: 'query', required: false, schema: body }));

const idParameter = { name: 'id', in: 'path', required: true, schema: uuid };
const partyParameter = { name: 'party', in: 'path', required: true, schema: uuid };
const refused = {
  '401': problem('Not signed in'),
  '403': problem('Mediation is for operators, district admins, grid workers and mediators'),
};
const notFound = { '404': problem('No such case the caller reaches (out of scope reads the same)') };
const caseBody = (description: string) =>
  ok(description, { type: 'object', properties: { case: ref('MediationCaseDetail') } });

/** Mediation's routes for `/openapi.json`. */
export const MEDIATION_PATHS = {
  '/api/v1/mediation/context': {
    get: {
      summary: 'The dispute types and levels, and whether the caller opens cases',
      responses: { '200': ok('The context', { type: 'object' }), ...refused, ...unavailable },
    },
  },
  '/api/v1/mediation/mediators': {
    get: {
      summary: 'The mediators who may take a case for an incident the caller covers, and whether it is a dispute',
      parameters: [{ name: 'incident_id', in: 'query', required: true, schema: text }],
      responses: {
        '200': ok('The mediators', { type: 'object' }),
        '404': problem('No such incident the caller covers'),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases': {
    post: {
      summary: 'Opens a case for a dispute incident the caller covers (operators, district admins, grid workers)',
      requestBody: { required: true, content: json(ref('MediationNewCase')) },
      responses: {
        '201': ok('Opened', { type: 'object', properties: { case: ref('MediationCase') } }),
        '400': problem('A field is wrong (not a dispute, not a mediator there): each error names it'),
        '404': problem('No such incident the caller covers'),
        ...refused,
        ...unavailable,
      },
    },
    get: {
      summary: 'The cases the caller reaches, newest first, parties masked',
      parameters: listParameters,
      responses: {
        '200': ok('One page of cases', {
          type: 'object',
          properties: {
            cases: { type: 'array', items: ref('MediationCase') },
            total: { type: 'integer' },
            page: { type: 'integer' },
            page_size: { type: 'integer' },
          },
        }),
        '400': problem('A filter is wrong: each error names it'),
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}': {
    get: {
      summary: 'One case with its parties (masked), sessions, outcome, agreement, follow-ups and history',
      parameters: [idParameter],
      responses: { '200': caseBody('The case'), ...notFound, ...refused, ...unavailable },
    },
  },
  '/api/v1/mediation/cases/{id}/parties': {
    post: {
      summary: 'Adds a party who consented to the processing of their data; name, phone, ID sealed at rest',
      parameters: [idParameter],
      requestBody: { required: true, content: json(ref('MediationNewParty')) },
      responses: {
        '201': ok('Added', { type: 'object', properties: { party: ref('MediationParty') } }),
        '400': problem('A field is wrong: each error names it'),
        '409': problem('The case is closed'),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/parties/{party}/reveal': {
    post: {
      summary: 'A party’s name, phone and ID number in full; each reveal is audited',
      parameters: [idParameter, partyParameter],
      responses: {
        '200': ok('The personal data (null once erased)', {
          type: 'object',
          properties: {
            name: nullableText,
            phone: nullableText,
            id_number: nullableText,
            erased: nullableText,
            revealed_at: instant,
          },
        }),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/parties/{party}/withdraw-consent': {
    post: {
      summary: 'The party withdraws consent: their personal data is erased, a tombstone stays',
      parameters: [idParameter, partyParameter],
      responses: {
        '200': ok('The party now', { type: 'object', properties: { party: ref('MediationParty') } }),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/sessions': {
    post: {
      summary: 'Records a session (date, place, attendees among the parties, notes)',
      parameters: [idParameter],
      requestBody: { required: true, content: json(ref('MediationNewSession')) },
      responses: {
        '201': ok('Recorded', { type: 'object' }),
        '400': problem('A field is wrong: each error names it'),
        '409': problem('The case is closed'),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/outcome': {
    post: {
      summary:
        'Closes the case with its outcome; a failed one referred to the next level opens a linked case there, or is guided to court',
      parameters: [idParameter],
      requestBody: { required: true, content: json(ref('MediationOutcome')) },
      responses: {
        '200': ok('The case closed, and the next-level case when referred', {
          type: 'object',
          properties: { case: ref('MediationCase'), referred_to: { oneOf: [ref('MediationCase'), { type: 'null' }] } },
        }),
        '400': problem('A field is wrong: each error names it'),
        '409': problem('The case is closed, or has no session yet'),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/agreement': {
    post: {
      summary: 'Uploads the signed agreement (PDF or photo, checked by content) after an agreement outcome',
      parameters: [
        idParameter,
        { name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 256 } },
      ],
      requestBody: {
        required: true,
        content: { 'application/pdf': {}, 'image/jpeg': {}, 'image/png': {}, 'image/webp': {} },
      },
      responses: {
        '201': caseBody('Kept with the case'),
        '409': problem('No agreement was recorded'),
        '413': problem('Larger than attachments.max_bytes'),
        '415': problem('Not a PDF or an image'),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
    get: {
      summary: 'The agreement’s bytes, through the link the case gives; each view is audited',
      parameters: [idParameter, { name: 'access', in: 'query', required: true, schema: text }],
      responses: {
        '200': { description: 'The file' },
        '401': problem('The link expired or its session ended'),
        ...notFound,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/follow-ups': {
    post: {
      summary: 'Plans a follow-up visit (回访) after an agreement',
      parameters: [idParameter],
      requestBody: { required: true, content: json(ref('MediationNewFollowUp')) },
      responses: {
        '201': ok('Planned', { type: 'object', properties: { follow_up: ref('MediationFollowUp') } }),
        '409': problem('No agreement was recorded'),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/cases/{id}/follow-ups/{followUp}': {
    put: {
      summary: 'What the follow-up visit found: the agreement honoured or not',
      parameters: [idParameter, { name: 'followUp', in: 'path', required: true, schema: uuid }],
      requestBody: { required: true, content: json(ref('MediationFollowUpResult')) },
      responses: {
        '200': ok('Recorded', { type: 'object', properties: { follow_up: ref('MediationFollowUp') } }),
        ...notFound,
        ...refused,
        ...unavailable,
      },
    },
  },
  '/api/v1/mediation/kpis': {
    get: {
      summary:
        'Mediation KPIs over cases closed in [from, to) (China days), per grid, street or level: success rate, disputes resolved rate (化解率), referrals',
      parameters: [
        { name: 'group', in: 'query', required: false, schema: { type: 'string', enum: ['grid', 'street', 'level'] } },
        { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
        { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
      ],
      responses: { '200': ok('The rows', { type: 'object' }), ...refused, ...unavailable },
    },
  },
  '/api/v1/mediation/settings': {
    get: {
      summary: 'How long parties’ personal data is kept after the case closes',
      responses: { '200': ok('The settings', ref('MediationSettings')), ...refused, ...unavailable },
    },
    put: {
      summary: 'Replaces the settings: tenant administrators (audited with what was before)',
      requestBody: { required: true, content: json(ref('MediationSettings')) },
      responses: {
        '200': ok('The settings now', ref('MediationSettings')),
        '400': problem('A field is wrong: each error names it'),
        ...refused,
        ...unavailable,
      },
    },
  },
};
