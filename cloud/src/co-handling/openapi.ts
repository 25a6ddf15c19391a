import {
  CoHandlingAddBody,
  CoHandlingOverrideBody,
  CoTaskActionBody,
  CoTaskReassignBody,
  CoTaskState,
} from '@gridlink/protocol';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { CO_TASK_KPI_CODES } from '../kpi/definitions.js';

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const instant = { type: 'string', format: 'date-time' };
const nullableInstant = { type: ['string', 'null'], format: 'date-time' };
const light = { type: ['string', 'null'], enum: ['green', 'yellow', 'red', null] };

const CoTask = {
  type: 'object',
  description: 'A co-handling unit’s task (联办) with its own deadline and traffic light',
  properties: {
    id: text,
    incident_id: text,
    unit: text,
    task: text,
    state: schema(CoTaskState),
    assigned_at: instant,
    assigned_by: text,
    deadline: instant,
    accepted_at: nullableInstant,
    done_at: nullableInstant,
    refused_at: nullableInstant,
    refusal_reason: nullableText,
    escalated_at: { ...nullableInstant, description: 'When the overdue task was escalated to the centre' },
    supervision: { type: 'string', description: 'The supervision mark (督办) the escalation set' },
    replaces: { ...nullableText, description: 'The refused task this one took over' },
    light: { ...light, description: 'Open tasks: green, yellow, red as the incidents’ lights' },
    outcome: { type: ['string', 'null'], enum: ['on_time', 'late', null] },
  },
};

const CoStep = {
  type: 'object',
  description:
    'A co-handling step on the incident’s history (coAssign, coAccept, coFeedback, coDone, coRefuse, coReassign, coOverride, coOverdue)',
  properties: {
    seq: { type: 'integer' },
    action: text,
    actor: text,
    role: text,
    comment: nullableText,
    attachments: { type: 'array', items: { type: 'object', properties: { uri: text, media_type: text, name: text } } },
    data: { type: 'object' },
    at: instant,
  },
};

const CoHandling = {
  type: 'object',
  properties: {
    incident_id: text,
    state: text,
    version: { type: 'integer' },
    lead: { ...nullableText, description: 'The lead unit: the incident’s assignee' },
    tasks: {
      type: 'array',
      items: {
        allOf: [ref('CoTask'), { type: 'object', properties: { steps: { type: 'array', items: ref('CoStep') } } }],
      },
    },
    copies: {
      type: 'array',
      items: { type: 'object', properties: { unit: text, added_at: instant, added_by: text } },
    },
    overrides: { type: 'array', items: { type: 'object', properties: { reason: text, actor: text, at: instant } } },
    open_tasks: { type: 'integer', description: 'Tasks that keep the lead from reporting handled' },
    units: { type: 'object', additionalProperties: { type: 'object', properties: { zh: text, en: text } } },
    candidates: {
      type: 'array',
      description: 'Units serving the incident’s place, for the centre to name (empty for everyone else)',
      items: { type: 'object', properties: { id: text, name: { type: 'object', properties: { zh: text, en: text } } } },
    },
  },
};

const notFound = problem('Not found, or not the caller’s to see');
const id = { name: 'id', in: 'path', required: true, schema: text };
const task = { name: 'task', in: 'path', required: true, schema: text };

export const CO_HANDLING_SCHEMAS = {
  CoTask,
  CoStep,
  CoHandling,
  CoHandlingAddBody: schema(CoHandlingAddBody),
  CoTaskActionBody: schema(CoTaskActionBody),
  CoTaskReassignBody: schema(CoTaskReassignBody),
  CoHandlingOverrideBody: schema(CoHandlingOverrideBody),
};

export const CO_HANDLING_PATHS = {
  '/api/v1/incidents/{id}/co-handling': {
    get: {
      summary: 'The incident’s co-handling: lead, co-handling units’ tasks, copied units, overrides',
      tags: ['co-handling'],
      parameters: [id],
      responses: { '200': ok('The co-handling panel', ref('CoHandling')), '404': notFound, ...unavailable },
    },
    post: {
      summary: 'Names co-handling units (each with a task and deadline) and copied units (operators)',
      tags: ['co-handling'],
      parameters: [id],
      requestBody: { required: true, content: json(ref('CoHandlingAddBody')) },
      responses: {
        '201': ok('Added; the panel as it is now', ref('CoHandling')),
        '200': ok('A repeated request: nothing changed', ref('CoHandling')),
        '400': problem('A unit unknown, the lead itself, or already given a task; a deadline past'),
        '403': problem('Not an operator of the incident’s territory'),
        '404': notFound,
        '409': problem('The incident is not dispatched or in progress'),
        ...unavailable,
      },
    },
  },
  '/api/v1/incidents/{id}/co-handling/override': {
    post: {
      summary: 'Lets the lead report handled while co-tasks are open, with the reason (operators)',
      tags: ['co-handling'],
      parameters: [id],
      requestBody: { required: true, content: json(ref('CoHandlingOverrideBody')) },
      responses: {
        '200': ok('Recorded', ref('CoHandling')),
        '400': problem('No reason given'),
        '403': problem('Not an operator of the incident’s territory'),
        '404': notFound,
        '409': problem('No open task, or the incident is past handling'),
        ...unavailable,
      },
    },
  },
  '/api/v1/co-tasks': {
    get: {
      summary: 'The caller’s units’ open co-tasks (assigned, accepted, refused), deadline first',
      tags: ['co-handling'],
      responses: {
        '200': ok('Tasks', {
          type: 'object',
          properties: {
            tasks: {
              type: 'array',
              items: {
                allOf: [
                  ref('CoTask'),
                  {
                    type: 'object',
                    properties: {
                      incident: {
                        type: 'object',
                        properties: { id: text, title: text, state: text, category: text },
                      },
                    },
                  },
                ],
              },
            },
            units: { type: 'object' },
          },
        }),
        ...unavailable,
      },
    },
  },
  '/api/v1/co-tasks/{task}/actions': {
    post: {
      summary: 'The co-handling unit answers its task: accept, feedback (text, photos), done, refuse (退回)',
      tags: ['co-handling'],
      parameters: [task],
      requestBody: { required: true, content: json(ref('CoTaskActionBody')) },
      responses: {
        '200': ok('The task as it is now, and the step written', {
          type: 'object',
          properties: { task: ref('CoTask'), step: ref('CoStep'), repeated: { type: 'boolean' } },
        }),
        '400': problem(
          'Feedback without text or photos, a photo not uploaded for the incident, a refusal without reason',
        ),
        '404': problem('No such task of the caller’s units'),
        '409': problem('The task is not open for that action'),
        ...unavailable,
      },
    },
  },
  '/api/v1/co-tasks/{task}/reassign': {
    post: {
      summary: 'Gives a task (refused, or of a unit that does not answer) to another unit (operators)',
      tags: ['co-handling'],
      parameters: [task],
      requestBody: { required: true, content: json(ref('CoTaskReassignBody')) },
      responses: {
        '201': ok('Reassigned; the panel as it is now', ref('CoHandling')),
        '400': problem('The unit unknown, the lead, or already given a task'),
        '403': problem('Not an operator of the incident’s territory'),
        '404': problem('No such task the caller may see'),
        '409': problem('The task is not open'),
        ...unavailable,
      },
    },
  },
  '/api/v1/co-handling/kpis': {
    get: {
      summary: 'Co-task KPIs per unit over a period: on-time rate, refusals, average handling time',
      tags: ['co-handling', 'kpis'],
      parameters: [
        { name: 'from', in: 'query', required: true, schema: instant },
        { name: 'to', in: 'query', required: true, schema: instant },
      ],
      responses: {
        '200': ok('Per unit', {
          type: 'object',
          properties: {
            from: instant,
            to: instant,
            definitions: { type: 'array', items: { type: 'object' } },
            units: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  unit: text,
                  counts: { type: 'object' },
                  values: {
                    type: 'object',
                    properties: Object.fromEntries(
                      CO_TASK_KPI_CODES.map((code) => [code, { type: ['number', 'null'] }]),
                    ),
                  },
                },
              },
            },
            names: { type: 'object' },
          },
        }),
        '400': problem('A period bound missing or not a time'),
        '403': problem('Not an operator or district administrator'),
        ...unavailable,
      },
    },
  },
};
