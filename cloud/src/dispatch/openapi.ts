import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { RobotList } from './store.js';

const code = { name: 'code', in: 'path', required: true, schema: { type: 'string' }, example: '320803001001' };
const refusals = {
  '400': problem(
    'Not a 12-digit community code, or an invalid body (a new robot needs its webhook; a webhook is https://qyapi.weixin.qq.com/… or https://oapi.dingtalk.com/…, or on a host the cloud’s robots.allowed_hosts lists)',
  ),
  '401': problem('No session, or an ended one'),
  '403': problem('Neither a district/street admin nor an operator over the community'),
  ...unavailable,
};
const unitId = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'unit-gas' };
const robotsRefused = (who: string) => ({
  '401': problem('No session or admin token, or an ended session'),
  '403': problem(`Not ${who}`),
  '404': problem('No such disposal unit'),
  ...unavailable,
});

/** Automatic dispatch's routes (live push, community and disposal-unit robots) for `/openapi.json`. */
export const DISPATCH_PATHS = {
  '/api/v1/notifications/stream': {
    get: {
      summary:
        'The signed-in user’s notifications as Server-Sent Events (`event: notification`, data JSON); a comment every 25 s keeps it open. At most 5 per user; a client leaving 256 KiB unread is disconnected; the stream ends at once when its session ends or the user is deactivated or their roles change',
      responses: {
        '200': { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '401': problem('No session, or an ended one'),
        '429': problem('GL_TOO_MANY_STREAMS: the user already holds the most streams allowed; see Retry-After'),
        '503': problem('The cloud is shutting down'),
      },
    },
  },
  '/api/v1/communities/{code}/robots': {
    get: {
      summary: 'The community’s WeCom/DingTalk group robots; webhooks and secrets are never returned',
      parameters: [code],
      responses: { '200': ok('The robots', ref('CommunityRobots')), ...refusals },
    },
    put: {
      summary:
        'Replace the community’s robots; a webhook or secret left out is kept, `secret: null` clears it (write-only)',
      parameters: [code],
      requestBody: { required: true, content: json(ref('RobotList')) },
      responses: { '200': ok('The robots now', ref('CommunityRobots')), ...refusals },
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

/** A community's or unit's robots as read back: never the webhook or secret, only whether they are set. */
const robots = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'kind', 'webhook_set', 'secret_set', 'updated_at'],
    properties: {
      name: { type: 'string' },
      kind: { enum: ['wecom', 'dingtalk'] },
      webhook_set: { const: true },
      secret_set: { type: 'boolean' },
      updated_at: { type: 'string', format: 'date-time' },
    },
  },
};

export const DISPATCH_SCHEMAS = {
  RobotList: schema(RobotList),
  CommunityRobots: {
    type: 'object',
    required: ['community', 'robots'],
    properties: {
      community: { type: 'string' },
      robots,
    },
  },
  UnitRobots: {
    type: 'object',
    required: ['disposal_unit', 'robots'],
    properties: {
      disposal_unit: { type: 'string' },
      robots,
    },
  },
};
