import { json, ok, problem, ref, schema } from '../http/openapi-parts.js';
import { RoleAssignmentInput } from './roles.js';
import {
  DisposalUnitChangeBody,
  DutyPeriodBody,
  GridMemberBody,
  LeaveBody,
  NewDisposalUnitBody,
  NewUserBody,
  UserChangeBody,
} from './routes.js';
import { Login } from './session-routes.js';

const body = (name: string) => ({ required: true, content: json(ref(name)) });
const path = (name: string, example: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example,
});
const userId = path('id', '6f1c2a7e-5d0b-4c1e-9a55-0d2b8c1f3e47');
const gridCode = path('code', '320803001001003');
const session = { '401': problem('No session, or an ended one') };
const manager = {
  '401': problem('No token, an unknown one, or an ended session'),
  '403': problem('Neither the admin token nor a district_admin over this territory'),
};

/** The people module's routes (users, sessions, disposal units, rosters) for `/openapi.json`. */
export const PEOPLE_PATHS = {
  '/api/v1/sessions': {
    post: {
      summary:
        'Log in; failures answer one generic problem; 5 failures lock the username for 5 minutes, and each source address has a budget of attempts (auth.login)',
      security: [],
      requestBody: body('Login'),
      responses: {
        '201': ok('A session token (shown only here), its expiry and the user', ref('Session')),
        '400': problem('Invalid body'),
        '401': problem('GL_LOGIN_FAILED: the username or the password is wrong'),
        '429': problem(
          'GL_LOGIN_THROTTLED: too many failures for this username, or too many attempts from this address; see Retry-After',
        ),
        '503': problem('GL_LOGIN_BUSY: too many password checks at once (see Retry-After), or GL_DATABASE_UNAVAILABLE'),
      },
    },
  },
  '/api/v1/sessions/refresh': {
    post: {
      summary: 'Replace the session token with a new one; the old one stops working',
      responses: {
        '200': ok('The new token', ref('Session')),
        ...session,
        '403': problem('An API token: it is no session'),
      },
    },
  },
  '/api/v1/sessions/current': {
    delete: {
      summary: 'Log out',
      responses: {
        '204': { description: 'Logged out' },
        ...session,
        '403': problem('An API token: it is no session (revoke it instead)'),
      },
    },
  },
  '/api/v1/me': {
    get: {
      summary: 'The signed-in user, their roles and what they may see',
      responses: { '200': ok('The user with `scope`', ref('User')), ...session },
    },
  },
  '/api/v1/users': {
    post: {
      summary:
        'Create a user (admin token, or a district_admin’s session over its territory and roles; not with an API token)',
      requestBody: body('NewUser'),
      responses: {
        '201': ok('Created', ref('User')),
        '400': problem('Invalid body'),
        ...manager,
        '409': problem('The username is taken'),
      },
    },
    get: {
      summary: 'Users of a territory the caller can see (default: everything the caller sees)',
      parameters: [{ name: 'territory', in: 'query', schema: { type: 'string' }, example: '320803001' }],
      responses: {
        '200': ok('Users by username', {
          type: 'object',
          required: ['users'],
          properties: { users: { type: 'array', items: ref('User') } },
        }),
        '400': problem('Bad territory'),
        '401': problem('No token'),
        '403': problem('The territory is outside what the caller may see'),
      },
    },
  },
  '/api/v1/users/{id}': {
    patch: {
      summary:
        'Rename, deactivate or set a password (not with an API token); deactivating or a new password ends sessions',
      parameters: [userId],
      requestBody: body('UserChange'),
      responses: {
        '200': ok('Changed', ref('User')),
        '400': problem('Invalid body'),
        ...manager,
        '404': problem('No such user'),
      },
    },
  },
  '/api/v1/users/{id}/roles': {
    post: {
      summary: 'Assign a role over a scope',
      parameters: [userId],
      requestBody: body('RoleAssignment'),
      responses: {
        '201': ok('Assigned', ref('RoleAssignment')),
        '200': ok('The user already had it', ref('RoleAssignment')),
        '400': problem('The scope does not fit the role'),
        ...manager,
        '404': problem('No such user or disposal unit'),
      },
    },
  },
  '/api/v1/users/{id}/roles/{role}/{scope}': {
    delete: {
      summary: 'Revoke a role over a scope',
      parameters: [userId, path('role', 'grid_worker'), path('scope', '320803001001003')],
      responses: { '204': { description: 'Revoked' }, ...manager, '404': problem('The user did not have it') },
    },
  },
  '/api/v1/users/{id}/leaves': {
    post: {
      summary: 'Record a leave; the substitute receives the worker’s incidents meanwhile',
      parameters: [userId],
      requestBody: body('Leave'),
      responses: {
        '201': ok('Recorded', { type: 'object' }),
        '400': problem('Invalid body'),
        ...manager,
        '404': problem('No such user'),
      },
    },
  },
  '/api/v1/users/{id}/leaves/{leaveId}': {
    delete: {
      summary:
        'Cancel a leave: one not yet begun is deleted, one under way ends now; audited (roster.leave.cancel) with the leave as it was',
      parameters: [userId, path('leaveId', '42')],
      responses: {
        '200': ok('outcome (deleted or ended) and the leave as it was', ref('RosterUndo')),
        ...manager,
        '404': problem('No such user, or the user has no such leave'),
        '409': problem('GL_ROSTER_CONFLICT: the leave is already over; it stays in the history'),
      },
    },
  },
  '/api/v1/disposal-units': {
    post: {
      summary: 'Create a disposal unit (责任单位)',
      requestBody: body('NewDisposalUnit'),
      responses: {
        '201': ok('Created', ref('NewDisposalUnit')),
        '400': problem('Invalid body'),
        ...manager,
        '409': problem('The id is taken'),
      },
    },
    get: {
      summary: 'Disposal units serving the caller’s territories (all with the admin token)',
      responses: { '200': ok('Units by id', { type: 'object' }), '401': problem('No token') },
    },
  },
  '/api/v1/disposal-units/{id}': {
    patch: {
      summary: 'Rename or retype a disposal unit (its id and territory stay); audited with what it was before',
      parameters: [path('id', 'unit-gas')],
      requestBody: body('DisposalUnitChange'),
      responses: {
        '200': ok('The unit now', ref('NewDisposalUnit')),
        '400': problem('Invalid body'),
        ...manager,
        '404': problem('No such unit'),
      },
    },
  },
  '/api/v1/grids/{code}/members': {
    get: {
      summary: 'The grid’s members ("1+1+N") with their names, for whoever sees the grid',
      parameters: [gridCode],
      responses: {
        '200': ok('Members: grid chief, full-time, part-time', { type: 'object' }),
        '400': problem('Bad grid code'),
        ...session,
        '403': problem('The grid is outside what the caller may see'),
      },
    },
  },
  '/api/v1/grids/{code}/members/{userId}': {
    put: {
      summary: 'Set a grid member’s position (1 grid chief + 1 full-time + N part-time); grants grid_worker',
      parameters: [gridCode, path('userId', '6f1c2a7e-5d0b-4c1e-9a55-0d2b8c1f3e47')],
      requestBody: body('GridMember'),
      responses: {
        '200': ok('Set', { type: 'object' }),
        '400': problem('Invalid body'),
        ...manager,
        '409': problem('The grid has one already'),
      },
    },
    delete: {
      summary: 'Remove a member (and their grid_worker role over the grid)',
      parameters: [gridCode, path('userId', '6f1c2a7e-5d0b-4c1e-9a55-0d2b8c1f3e47')],
      responses: { '204': { description: 'Removed' }, ...manager, '404': problem('Not a member') },
    },
  },
  '/api/v1/grids/{code}/duty-periods': {
    get: {
      summary: 'The duty periods and the members’ leaves overlapping [from, to) (at most 62 days): the duty calendar',
      parameters: [
        gridCode,
        { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date-time' } },
      ],
      responses: {
        '200': ok('duty_periods and leaves, by start', { type: 'object' }),
        '400': problem('Bad grid code or window'),
        ...session,
        '403': problem('The grid is outside what the caller may see'),
      },
    },
    post: {
      summary: 'Put a member on duty during [starts_at, ends_at)',
      parameters: [gridCode],
      requestBody: body('DutyPeriod'),
      responses: {
        '201': ok('Added', { type: 'object' }),
        '400': problem('Invalid body'),
        ...manager,
        '409': problem('Not a member'),
      },
    },
  },
  '/api/v1/grids/{code}/duty-periods/{periodId}': {
    delete: {
      summary:
        'Remove a duty period: one not yet begun is deleted, one under way ends now; audited (roster.duty_period.remove) with the period as it was',
      parameters: [gridCode, path('periodId', '42')],
      responses: {
        '200': ok('outcome (deleted or ended) and the period as it was', ref('RosterUndo')),
        '400': problem('Bad grid code'),
        ...manager,
        '404': problem('The grid has no such duty period'),
        '409': problem('GL_ROSTER_CONFLICT: the period is already over; it stays in the history'),
      },
    },
  },
  '/api/v1/grids/{code}/on-duty': {
    get: {
      summary:
        'Who receives the grid’s incidents at `at` (default now): on duty, else a substitute, else the grid chief',
      parameters: [gridCode, { name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' } }],
      responses: {
        '200': ok('on_duty is null when nobody is (the community takes the incident)', { type: 'object' }),
        '400': problem('Bad grid code or time'),
        '401': problem('No token'),
        '403': problem('The grid is outside what the caller may see'),
      },
    },
  },
};

export const PEOPLE_SCHEMAS = {
  Login: schema(Login),
  NewUser: schema(NewUserBody),
  UserChange: schema(UserChangeBody),
  RoleAssignment: schema(RoleAssignmentInput),
  NewDisposalUnit: schema(NewDisposalUnitBody),
  DisposalUnitChange: schema(DisposalUnitChangeBody),
  GridMember: schema(GridMemberBody),
  DutyPeriod: schema(DutyPeriodBody),
  Leave: schema(LeaveBody),
  User: {
    type: 'object',
    required: ['id', 'username', 'display_name', 'territory_code', 'active', 'created_at', 'roles'],
    properties: {
      id: { type: 'string' },
      username: { type: 'string' },
      display_name: { type: 'string' },
      territory_code: { type: 'string' },
      active: { type: 'boolean' },
      created_at: { type: 'string', format: 'date-time' },
      roles: { type: 'array', items: ref('RoleAssignment') },
    },
  },
  RosterUndo: {
    type: 'object',
    required: ['outcome', 'entry'],
    properties: {
      outcome: { type: 'string', enum: ['deleted', 'ended'] },
      entry: { type: 'object', description: 'The leave or duty period as it was before' },
    },
  },
  Session: {
    type: 'object',
    required: ['token', 'expires_at', 'user'],
    properties: { token: { type: 'string' }, expires_at: { type: 'string', format: 'date-time' }, user: ref('User') },
  },
};
