import { ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import {
  CheckinBody,
  DayQuery,
  EndSessionBody,
  LiveQuery,
  PositionBatch,
  PositionInput,
  RouteInput,
  StartSessionBody,
  TaskDoneBody,
  TaskInput,
  TaskListQuery,
} from './schemas.js';
import { PatrolSettings } from './settings.js';

const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const path = (name: string, example: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example,
});
const query = (shape: { shape: Record<string, unknown> }, from: object) =>
  Object.keys(shape.shape).map((name) => ({
    name,
    in: 'query',
    required: false,
    schema: (from as { properties: Record<string, object> }).properties[name] ?? { type: 'string' },
  }));
const common = {
  '401': problem('No token or session'),
  ...unavailable,
};
const time = { type: 'string', format: 'date-time' };
const nullable = (type: string) => ({ type: [type, 'null'] });

const Checkpoint = {
  type: 'object',
  required: ['id', 'seq', 'name', 'kind'],
  properties: {
    id: { type: 'string' },
    seq: { type: 'integer', description: 'Walking order, from 1' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['point', 'tag'] },
    lon: nullable('number'),
    lat: nullable('number'),
    radius_m: nullable('number'),
    tag_code: nullable('string'),
  },
};
const Route = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    grid_code: { type: 'string' },
    name: { type: 'string' },
    rounds_per_day: { type: 'integer' },
    windows: {
      type: 'array',
      items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
    },
    checkpoints: { type: 'array', items: ref('PatrolCheckpoint') },
    created_by: { type: 'string' },
    created_at: time,
    updated_at: time,
  },
};
const Session = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    worker_id: { type: 'string' },
    route_id: { type: 'string' },
    grid_code: { type: 'string' },
    started_at: time,
    ended_at: { type: ['string', 'null'], format: 'date-time' },
    running: { type: 'boolean' },
    clock_offset_ms: {
      ...nullable('integer'),
      description: 'Server minus phone, when the phone clock was off and corrected',
    },
  },
};
const Checkin = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    session_id: { type: 'string' },
    request_id: { type: 'string' },
    checkpoint_id: { type: 'string' },
    checkpoint_name: { type: 'string' },
    method: { type: 'string', enum: ['position', 'tag'] },
    at: time,
    lon: nullable('number'),
    lat: nullable('number'),
    accuracy_m: nullable('number'),
    distance_m: { ...nullable('number'), description: 'Metres from the checkpoint' },
    flags: {
      type: 'array',
      items: { type: 'string', enum: ['outside_grid', 'implausible_speed', 'clock_corrected'] },
      description: 'Stored but not taken at face value; an unflagged check-in counts towards its round',
    },
    photo_ids: { type: 'array', items: { type: 'string' } },
  },
};
const Task = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    grid_code: { type: 'string' },
    worker_id: { type: 'string' },
    kind: { type: 'string', enum: ['visit_household', 'check_hazard', 'other'] },
    title: { type: 'string' },
    description: nullable('string'),
    place: nullable('string'),
    lon: nullable('number'),
    lat: nullable('number'),
    due_at: time,
    created_by: { type: 'string' },
    created_at: time,
    done_at: { type: ['string', 'null'], format: 'date-time' },
    done_note: nullable('string'),
    done_photo_ids: { type: 'array', items: { type: 'string' } },
    state: { type: 'string', enum: ['open', 'overdue', 'done'] },
  },
};
const BatchAnswer = {
  type: 'object',
  properties: {
    batch_id: { type: 'string' },
    replayed: {
      type: 'boolean',
      description: 'This batch id was received before: nothing stored again, first answer repeated',
    },
    accepted: { type: 'integer', description: 'Positions stored by this batch' },
    duplicates: {
      type: 'integer',
      description: 'Positions at an instant already stored (or twice in the batch): ignored',
    },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          pointer: { type: 'string', example: '/positions/3/accuracy_m' },
          code: {
            type: 'string',
            enum: ['invalid', 'accuracy_absurd', 'time_future', 'time_before_start', 'time_after_end', 'time_too_old'],
          },
          detail: { type: 'string', description: 'In the reader’s language' },
        },
      },
    },
    clock_offset_ms: { type: 'integer', description: 'Server time minus sent_at' },
    clock_corrected: {
      type: 'boolean',
      description:
        'The phone clock was off beyond clock_skew_s: every time of the batch was shifted by clock_offset_ms',
    },
  },
};
const DayRound = {
  type: 'object',
  properties: {
    round: { type: 'integer' },
    window: { type: ['object', 'null'], properties: { from: { type: 'string' }, to: { type: 'string' } } },
    due_at: time,
    state: { type: 'string', enum: ['done', 'in_progress', 'incomplete', 'left', 'missed'] },
    session_id: nullable('string'),
    checkpoints_reached: { type: 'integer' },
    checkpoints_total: { type: 'integer' },
    checkins_flagged: { type: 'integer' },
  },
};
const WorkerDay = {
  type: 'object',
  properties: {
    date: { type: 'string', example: '2026-11-25' },
    worker_id: { type: 'string' },
    grids: { type: 'array', items: { type: 'string' } },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          route_id: { type: 'string' },
          name: { type: 'string' },
          grid_code: { type: 'string' },
          rounds_per_day: { type: 'integer' },
          rounds: { type: 'array', items: DayRound },
          done: { type: 'integer' },
          left: { type: 'integer' },
        },
      },
    },
    tasks: { type: 'array', items: ref('PatrolTask') },
    running_session: { oneOf: [ref('PatrolSession'), { type: 'null' }] },
    sessions: { type: 'array', items: ref('PatrolSession') },
    left: { type: 'object', properties: { rounds: { type: 'integer' }, tasks: { type: 'integer' } } },
    done: { type: 'object', properties: { rounds: { type: 'integer' }, tasks: { type: 'integer' } } },
  },
};
const Trajectory = {
  type: 'object',
  properties: {
    session: ref('PatrolSession'),
    points: {
      type: 'array',
      description: 'Every recorded position in time order (the replay)',
      items: {
        type: 'object',
        properties: { at: time, lon: { type: 'number' }, lat: { type: 'number' }, accuracy_m: { type: 'number' } },
      },
    },
    display: {
      type: 'object',
      description: 'Simplified for a map (Douglas–Peucker, 5 m), cut at gaps, check-in points kept (`checkin: true`)',
      properties: {
        segments: {
          type: 'array',
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: { at: time, lon: { type: 'number' }, lat: { type: 'number' }, checkin: { type: 'boolean' } },
            },
          },
        },
        gaps: {
          type: 'array',
          items: { type: 'object', properties: { from: time, to: time, seconds: { type: 'integer' } } },
        },
        recorded: { type: 'integer' },
        drawn: { type: 'integer' },
      },
    },
    checkins: { type: 'array', items: ref('PatrolCheckin') },
    distance_m: { type: 'integer', description: 'Walked along the points, not across gaps' },
    gap_after_s: { type: 'integer' },
  },
};
const Live = {
  type: 'object',
  properties: {
    territory: { type: 'string' },
    at: time,
    workers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          worker_id: { type: 'string' },
          display_name: { type: 'string' },
          session_id: { type: 'string' },
          route_id: { type: 'string' },
          grid_code: { type: 'string' },
          at: time,
          lon: { type: 'number' },
          lat: { type: 'number' },
          accuracy_m: { type: 'number' },
        },
      },
    },
  },
};
const Photo = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    grid_code: { type: 'string' },
    media_type: { type: 'string' },
    size_bytes: { type: 'integer' },
    sha256: { type: 'string' },
    uploaded_by: { type: 'string' },
    uploaded_at: time,
  },
};

const grid = path('grid', '320803001001001');
const id = (example: string) => path('id', example);
const notSession = problem('No such patrol of yours (another worker’s patrol is not found either)');

/** The patrol schemas named in `/openapi.json`. */
export const PATROL_SCHEMAS = {
  PatrolRouteInput: schema(RouteInput),
  PatrolTaskInput: schema(TaskInput),
  PatrolTaskDone: schema(TaskDoneBody),
  PatrolStartSession: schema(StartSessionBody),
  PatrolEndSession: schema(EndSessionBody),
  PatrolPositionBatch: {
    ...schema(PositionBatch),
    properties: {
      ...(schema(PositionBatch) as { properties: object }).properties,
      positions: { type: 'array', minItems: 1, maxItems: 500, items: ref('PatrolPosition') },
    },
  },
  PatrolPosition: schema(PositionInput),
  PatrolCheckinInput: schema(CheckinBody),
  PatrolSettings: schema(PatrolSettings),
  PatrolCheckpoint: Checkpoint,
  PatrolRoute: Route,
  PatrolSession: Session,
  PatrolCheckin: Checkin,
  PatrolTask: Task,
  PatrolBatchAnswer: BatchAnswer,
  PatrolWorkerDay: WorkerDay,
  PatrolTrajectory: Trajectory,
  PatrolLive: Live,
  PatrolPhoto: Photo,
};

/** The patrol routes for `/openapi.json`. */
export const PATROL_PATHS = {
  '/api/v1/settings/patrol': {
    get: {
      summary: 'The patrol settings: position interval, gap threshold, max speed and accuracy, clock skew, retention',
      responses: {
        '200': ok('The settings', ref('PatrolSettings')),
        ...common,
        '403': problem('Not an admin, operator or grid worker'),
      },
    },
    put: {
      summary: 'Replace the patrol settings (tenant admins); each field error names its field',
      requestBody: body('PatrolSettings'),
      responses: {
        '200': ok('The settings now', ref('PatrolSettings')),
        '400': problem('Invalid settings'),
        '403': problem('Not a tenant admin'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/grids/{grid}/routes': {
    get: {
      summary: 'The grid’s active patrol routes with their checkpoints (its workers and supervisors)',
      parameters: [grid],
      responses: {
        '200': ok('The routes', {
          type: 'object',
          properties: { grid_code: { type: 'string' }, routes: { type: 'array', items: ref('PatrolRoute') } },
        }),
        '403': problem('Not a worker or supervisor of the grid'),
        '404': problem('Not a grid code'),
        ...common,
      },
    },
    post: {
      summary:
        'Add a route: ordered checkpoints (a point with a radius, or a QR/NFC tag code unique in the tenant), rounds a day, optional windows. Operators or district admins over the grid, or its grid chief',
      parameters: [grid],
      requestBody: body('PatrolRouteInput'),
      responses: {
        '201': ok('The route', ref('PatrolRoute')),
        '400': problem('Invalid route; a tag code already taken names the checkpoint (/checkpoints/i/tag_code)'),
        '403': problem('May not plan this grid'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/routes/{id}': {
    get: {
      summary: 'One route',
      parameters: [id('3f1c…')],
      responses: {
        '200': ok('The route', ref('PatrolRoute')),
        '404': problem('No such route you may read'),
        ...common,
      },
    },
    put: {
      summary: 'Replace a route; checkpoints given with their id keep it (and their check-ins), the others are retired',
      parameters: [id('3f1c…')],
      requestBody: body('PatrolRouteInput'),
      responses: {
        '200': ok('The route', ref('PatrolRoute')),
        '400': problem('Invalid route'),
        '403': problem('May not plan this grid'),
        '404': problem('No such route'),
        '409': problem('The route is retired'),
        ...common,
      },
    },
    delete: {
      summary: 'Retire a route: no new patrols on it; its history stays',
      parameters: [id('3f1c…')],
      responses: {
        '204': { description: 'Retired' },
        '403': problem('May not plan this grid'),
        '404': problem('No such route'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/tasks': {
    post: {
      summary: 'Assign a special task to a grid worker of the grid (operators and district admins over it)',
      requestBody: body('PatrolTaskInput'),
      responses: {
        '201': ok('The task', ref('PatrolTask')),
        '400': problem('Invalid task, or worker_id is not a grid worker of grid_code'),
        '403': problem('Not a dispatcher over the grid'),
        ...common,
      },
    },
    get: {
      summary:
        'Tasks: the caller’s own by default; `grid` (supervisors: all of the grid; its workers: their own) or `worker` (supervisors)',
      parameters: query(TaskListQuery, schema(TaskListQuery)),
      responses: {
        '200': ok('The tasks', { type: 'object', properties: { tasks: { type: 'array', items: ref('PatrolTask') } } }),
        '403': problem('Outside the caller’s grids'),
        '404': problem('No such worker supervised'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/tasks/{id}/done': {
    post: {
      summary: 'The assigned worker finishes a task with a note and optional photos; done again answers it as it is',
      parameters: [id('8a2e…')],
      requestBody: body('PatrolTaskDone'),
      responses: {
        '200': ok('The task', ref('PatrolTask')),
        '400': problem('Invalid note or photo ids'),
        '404': problem('No such task of the caller'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/day': {
    get: {
      summary: 'The caller’s day (China time): rounds per route with due times and state, tasks, what is left',
      parameters: query(DayQuery, schema(DayQuery)),
      responses: { '200': ok('The day', ref('PatrolWorkerDay')), '400': problem('Invalid date'), ...common },
    },
  },
  '/api/v1/patrol/workers/{id}/day': {
    get: {
      summary: 'A worker’s day, for the worker and their supervisors',
      parameters: [id('u-…'), ...query(DayQuery, schema(DayQuery))],
      responses: {
        '200': ok('The day', ref('PatrolWorkerDay')),
        '404': problem('No such worker supervised'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions': {
    post: {
      summary:
        'Start a patrol on a route of one of the caller’s grids; the same request_id again answers the same patrol (200)',
      requestBody: body('PatrolStartSession'),
      responses: {
        '201': ok('Started', {
          type: 'object',
          properties: { session: ref('PatrolSession'), route: ref('PatrolRoute') },
        }),
        '200': ok('Started before with this request_id', {
          type: 'object',
          properties: { session: ref('PatrolSession'), route: ref('PatrolRoute') },
        }),
        '400': problem('Invalid body, or a route not of the caller’s grids (/route_id)'),
        '409': problem('Another patrol of the caller still runs (GL_PATROL_CONFLICT)'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions/{id}': {
    get: {
      summary: 'A patrol with its route and check-ins (the worker and their supervisors)',
      parameters: [id('42')],
      responses: {
        '200': ok('The patrol', {
          type: 'object',
          properties: {
            session: ref('PatrolSession'),
            route: ref('PatrolRoute'),
            checkins: { type: 'array', items: ref('PatrolCheckin') },
          },
        }),
        '404': notSession,
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions/{id}/end': {
    post: {
      summary: 'End the patrol (ended_at for one ended offline); again: answered as it is',
      parameters: [id('42')],
      requestBody: body('PatrolEndSession'),
      responses: {
        '200': ok('The patrol', { type: 'object', properties: { session: ref('PatrolSession') } }),
        '404': notSession,
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions/{id}/positions': {
    post: {
      summary:
        'A batch of positions of the caller’s patrol (also after it ended, for positions recorded while it ran). Each position is answered on its own: refused ones by index, field and reason; duplicates counted; stored in time order; a batch_id sent again is answered as before and stored once; a phone clock off by more than clock_skew_s is corrected by the offset measured from sent_at and flagged',
      parameters: [id('42')],
      requestBody: body('PatrolPositionBatch'),
      responses: {
        '200': ok('What was stored, refused and ignored', ref('PatrolBatchAnswer')),
        '400': problem('The batch itself is invalid (batch_id, sent_at, positions not an array of 1–500)'),
        '404': notSession,
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions/{id}/checkins': {
    post: {
      summary:
        'Check in at a checkpoint of the patrol’s route: by position within its radius, or by its tag. Stored flagged (not refused) outside the grid or after an implausible speed; the same request_id counts once (200)',
      parameters: [id('42')],
      requestBody: body('PatrolCheckinInput'),
      responses: {
        '201': ok('Checked in', { type: 'object', properties: { checkin: ref('PatrolCheckin') } }),
        '200': ok('Checked in before with this request_id', {
          type: 'object',
          properties: { checkin: ref('PatrolCheckin') },
        }),
        '400': problem(
          'Invalid, too far (/lon), a tag of another grid or unknown (/tag_code), a time outside the patrol (/at)',
        ),
        '404': notSession,
        ...common,
      },
    },
  },
  '/api/v1/patrol/sessions/{id}/trajectory': {
    get: {
      summary:
        'The patrol’s trajectory: every point for replay, a simplified line cut at gaps for display, check-ins. The worker and their supervisors only; a supervisor’s read is audited',
      parameters: [id('42')],
      responses: { '200': ok('The trajectory', ref('PatrolTrajectory')), '404': notSession, ...common },
    },
  },
  '/api/v1/patrol/live': {
    get: {
      summary:
        'Last positions of the workers patrolling now under a territory (a finished patrol is not live); audited',
      parameters: query(LiveQuery, schema(LiveQuery)).map((p) => ({ ...p, required: true })),
      responses: {
        '200': ok('Workers on patrol', ref('PatrolLive')),
        '403': problem('Not a supervisor of the territory'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/photos': {
    post: {
      summary: 'Upload a photo (JPEG, PNG or WebP body; type sniffed) for a check-in or task, then name it by id',
      parameters: [
        {
          name: 'grid',
          in: 'query',
          required: true,
          schema: { type: 'string' },
          description: 'One of the caller’s grids',
        },
      ],
      requestBody: { required: true, content: { 'image/jpeg': {}, 'image/png': {}, 'image/webp': {} } },
      responses: {
        '201': ok('The photo', ref('PatrolPhoto')),
        '400': problem('Empty, or grid not one of the caller’s'),
        '413': problem('Larger than attachments.max_bytes'),
        '415': problem('Not an image, or not the type declared'),
        ...common,
      },
    },
  },
  '/api/v1/patrol/photos/{id}': {
    get: {
      summary: 'A photo’s bytes: its uploader and the supervisors of its grid',
      parameters: [id('uuid')],
      responses: { '200': { description: 'The image' }, '404': problem('No such photo the caller may see'), ...common },
    },
  },
};
