import { ok, problem, ref, unavailable } from '../http/openapi-parts.js';
import { MAX_LIGHT_IDS } from './action-routes.js';

const session = { '401': problem('No session, or an ended one'), ...unavailable };
const name = { type: 'object', required: ['zh', 'en'], properties: { zh: { type: 'string' }, en: { type: 'string' } } };

/** What the incident pages read besides the incidents API (actions, assignees, lights), for `/openapi.json`. */
export const INCIDENT_ACTION_PATHS = {
  '/api/v1/incidents/{id}/actions': {
    get: {
      summary: 'The transitions the caller may take on the incident now (state machine × the caller’s roles and scope)',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': ok('The actions, with the incident’s version to send as expected_version', {
          type: 'object',
          required: ['incident_id', 'version', 'state', 'actions'],
          properties: {
            incident_id: { type: 'string' },
            version: { type: 'integer' },
            state: { type: 'string' },
            actions: {
              type: 'array',
              items: {
                type: 'object',
                required: ['action', 'to', 'role', 'effects', 'attachment_tags', 'comment_required', 'requires_note'],
                properties: {
                  action: { type: 'string' },
                  to: { type: 'string' },
                  role: { type: 'string' },
                  effects: { type: 'array', items: { type: 'string' } },
                  attachment_tags: { type: 'array', items: { type: 'string' } },
                  comment_required: { type: 'boolean', description: 'The step needs a comment: the reason' },
                  requires_note: {
                    type: 'boolean',
                    description: 'The step needs a comment or an attachment (e.g. findings on site)',
                  },
                },
              },
            },
          },
        }),
        '404': problem('No such incident the caller may see'),
        ...session,
      },
    },
  },
  '/api/v1/incidents/{id}/assignees': {
    get: {
      summary:
        'Who a dispatch or re-dispatch (改派) of the incident may go to: the disposal units of the category’s unit type serving its place (any type when the category names none), nearest first, and the active grid workers of its grid; POST …/transitions refuses anyone else with GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': ok('The eligible assignees; on_duty marks the grid’s worker on duty now', {
          type: 'object',
          required: ['incident_id', 'assignees'],
          properties: {
            incident_id: { type: 'string' },
            assignees: {
              type: 'array',
              items: {
                type: 'object',
                required: ['kind', 'id', 'name', 'on_duty'],
                properties: {
                  kind: { enum: ['disposal_unit', 'grid_worker'] },
                  id: { type: 'string', description: 'What data.assignee takes' },
                  name,
                  on_duty: { type: 'boolean' },
                },
              },
            },
          },
        }),
        '404': problem('No such incident the caller may see'),
        ...session,
      },
    },
  },
  '/api/v1/incident-lights': {
    get: {
      summary:
        'The time-limit state (light from the breach history, overdue since, due by; outcome once closed) of a page of incidents (not audited as views)',
      parameters: [
        {
          name: 'ids',
          in: 'query',
          required: true,
          description: `1 to ${MAX_LIGHT_IDS} incident ids, comma-separated`,
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': ok('Lights of the incidents the caller may see; the other ids under unknown', {
          type: 'object',
          required: ['lights', 'unknown'],
          properties: {
            lights: {
              type: 'array',
              items: {
                allOf: [
                  {
                    type: 'object',
                    required: ['id', 'deadline'],
                    properties: {
                      id: { type: 'string' },
                      deadline: { type: ['string', 'null'], format: 'date-time', description: 'The same as due_by' },
                    },
                  },
                  ref('IncidentTimeStatus'),
                ],
              },
            },
            unknown: { type: 'array', items: { type: 'string' } },
          },
        }),
        '400': problem('No ids, or too many'),
        ...session,
      },
    },
  },
};
