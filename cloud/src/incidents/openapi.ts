import { SEVERITIES } from '@gridlink/protocol';
import { ATTACHMENT_MEDIA_TYPES, DEFAULT_ATTACHMENT_MAX_BYTES } from '../attachments/media.js';
import { json, problem, ref, schema } from '../http/openapi-parts.js';
import { AttachmentName, AttachmentTag } from './attachment-routes.js';
import { ReportBody, TransitionBody } from './routes.js';

const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'INC-20261125-000001' };
const common = {
  '401': problem('No session, or an ended one'),
  '503': problem('The database is unavailable: retry later'),
};
const object = { type: 'object' };

/** The incidents API for `/openapi.json`: every route needs a session and filters by the caller's scope. */
export const INCIDENT_PATHS = {
  '/api/v1/incidents': {
    get: {
      summary:
        'Incidents the caller may see (by role and scope): urgent ones nobody has been dispatched to first (needsAttention), then newest first',
      description:
        'Each incident carries `needsAttention`: urgent, open and not yet dispatched to anyone (REPORTED, VERIFYING, ACCEPTED or FILED). The centre’s list shows those first and raises an alarm until someone takes them.',
      parameters: [
        { name: 'state', in: 'query', schema: { type: 'string' }, example: 'DISPATCHED' },
        {
          name: 'category',
          in: 'query',
          description: 'The category and its sub-categories',
          schema: { type: 'string' },
          example: 'urban_management',
        },
        { name: 'grid', in: 'query', schema: { type: 'string', pattern: '^\\d{15}$' }, example: '320803001001001' },
        { name: 'community', in: 'query', schema: { type: 'string', pattern: '^\\d{12}$' }, example: '320803001001' },
        {
          name: 'severity',
          in: 'query',
          schema: { type: 'string', enum: [...SEVERITIES] },
          example: 'major',
        },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      ],
      responses: {
        '200': {
          description:
            'The incidents, each with its time-limit state (IncidentTimeStatus: light, overdue_since, due_by, outcome) and `place_position`: where it is ({lon, lat, accuracyM, source: incident | building}, WGS-84) or null, as on its page',
          content: json({
            type: 'object',
            required: ['incidents', 'names'],
            properties: {
              incidents: { type: 'array', items: { allOf: [object, ref('IncidentTimeStatus')] } },
              names: ref('IncidentNames'),
            },
          }),
        },
        '400': problem('Invalid query'),
        ...common,
      },
    },
    post: {
      summary:
        'Report an incident (一口受理: patrol, 12345 hotline, 110 transfer, petition…) in the caller’s territory',
      requestBody: { required: true, content: json(ref('IncidentReport')) },
      responses: {
        '201': {
          description:
            'The incident and its first step (the same reporter repeating a request id gets the same; request ids are each reporter’s own)',
          content: json(object),
        },
        '400': problem('Invalid body, or a grid that does not lie in the community (errors[] names the field)'),
        '403': problem('Not a reporting role where the report is placed (errors[] names the field)'),
        ...common,
      },
    },
  },
  '/api/v1/incidents/{id}': {
    get: {
      summary: 'One incident with its step records and evidence (the view is audited)',
      parameters: [id],
      responses: {
        '200': {
          description:
            'Incident, steps (each with the deadline it set and `deadlineChange`: why it differs from the one before), evidence, and the time-limit state (`deadline` is `due_by`); `arrival`: the arrival measure of the current round of work (measure, started_at, due_by, ended_at, minutes, on_time, distance_m) or null; `place_position`: where the incident is ({lon, lat, accuracyM, source: incident | building}, WGS-84) or null',
          content: json({
            allOf: [
              { type: 'object', required: ['names'], properties: { names: ref('IncidentNames') } },
              ref('IncidentTimeStatus'),
            ],
          }),
        },
        '404': problem('No such incident the caller may see'),
        ...common,
      },
    },
  },
  '/api/v1/incidents/{id}/transitions': {
    post: {
      summary:
        'Take a step of the closed loop (accept, file, dispatch, recall, redispatch, sign, finish, pass, close…), idempotent on request_id',
      parameters: [id],
      requestBody: { required: true, content: json(ref('IncidentTransition')) },
      responses: {
        '200': { description: 'The incident as it is now and the step written', content: json(object) },
        '400': problem(
          'Invalid body; a recall or re-dispatch without a comment (errors[] names /comment); an arrive without a valid data.position (PositionFix: errors[] names e.g. /data/position/accuracy_m or /data/position/at); GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE: data.assignee is no unit or grid worker eligible for the incident (see GET /incidents/{id}/assignees; errors[] names /data/assignee and why)',
        ),
        '403': problem(
          'None of the caller’s roles may take this action here, or GL_INCIDENT_SEPARATION_OF_DUTIES: the caller signed for or finished the work and may not check it',
        ),
        '404': problem(
          'No such incident the caller may see: the one in the path, or a merge’s data.into (missing and out of scope alike)',
        ),
        '409': problem('The state does not allow the action, or the incident changed meanwhile'),
        ...common,
      },
    },
  },
  '/api/v1/incidents/{id}/attachments': {
    get: {
      summary: 'The files uploaded for an incident, each with a link that works in <img src> for ten minutes',
      parameters: [id],
      responses: {
        '200': { description: 'The attachments', content: json(object) },
        '404': problem('No such incident the caller may see'),
        ...common,
      },
    },
    post: {
      summary:
        'Upload a photo or document for a step of the incident (the body is the file); a transition then names it in attachments[]',
      description: `The type is sniffed from the content and must match Content-Type. At most attachments.max_bytes (default ${DEFAULT_ATTACHMENT_MAX_BYTES} bytes). Only roles that may take a step of the incident now may upload.`,
      parameters: [
        id,
        { name: 'tag', in: 'query', schema: schema(AttachmentTag), example: 'before' },
        { name: 'name', in: 'query', schema: schema(AttachmentName), example: '现场照片.jpg' },
      ],
      requestBody: {
        required: true,
        content: Object.fromEntries(
          ATTACHMENT_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
        ),
      },
      responses: {
        '201': {
          description: 'The stored attachment: id, uri, media_type, size_bytes, sha256, url',
          content: json(object),
        },
        '400': problem('Invalid tag or name, or an empty body'),
        '403': problem('None of the caller’s roles may act on the incident now'),
        '404': problem('No such incident the caller may see'),
        '413': problem('Larger than attachments.max_bytes'),
        '415': problem('Not a JPEG, PNG, WebP or PDF file, or not the type Content-Type says'),
        ...common,
      },
    },
  },
  '/api/v1/attachments/{id}': {
    get: {
      summary:
        'One attachment’s bytes, with its type, Content-Disposition and nosniff; to callers who may see its incident',
      parameters: [
        { ...id, example: '0b6f7b1e-3c1d-4f5e-9a47-2f0c2d8e4a10' },
        {
          name: 'access',
          in: 'query',
          description: 'The signed link of GET /incidents/{id}/attachments, instead of a bearer token',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': {
          description: 'The file',
          content: Object.fromEntries(
            ATTACHMENT_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
        '404': problem('No such attachment the caller may see'),
        ...common,
      },
    },
  },
};

export const INCIDENT_SCHEMAS = {
  IncidentNames: {
    type: 'object',
    description:
      'Names, in the reader’s language (Accept-Language), of what the incidents mention by code or id: community and grid codes, the assignee (disposal unit or user) and step actors (users; the system as e.g. 系统（自动派遣）). A code or id with no name on record is absent.',
    additionalProperties: { type: 'string' },
    example: {
      '320803001001': '幸福社区',
      '320803001001002': '第二网格',
      'unit-gas': '港华燃气',
      'cloud:dispatch': '系统（自动派遣）',
    },
  },
  IncidentTimeStatus: {
    type: 'object',
    description: 'What a person sees of an incident’s time limits (docs/domain.md §4), read from its step records now',
    required: ['light', 'overdue_since', 'due_by', 'outcome'],
    properties: {
      light: {
        enum: ['green', 'yellow', 'red', null],
        description:
          'The open step’s light: red from the first breach of its limit until the step is done, even after an escalation restarted the clock; null when closed or no limit runs',
      },
      overdue_since: {
        type: ['string', 'null'],
        format: 'date-time',
        description: 'When the open step’s limit was first passed',
      },
      due_by: {
        type: ['string', 'null'],
        format: 'date-time',
        description:
          'The open step’s deadline now (the new level’s after an escalation); null when suspended or closed',
      },
      outcome: {
        enum: ['on_time', 'late', null],
        description: 'Closed loops: late when any of its limits was passed (the timeline says which), else on_time',
      },
    },
  },
  IncidentReport: schema(ReportBody),
  IncidentTransition: schema(TransitionBody),
};
