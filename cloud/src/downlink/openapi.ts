import { DownlinkAck, DownlinkMessage } from '@gridlink/protocol';
import { denied, gatewayId } from '../gateways/openapi.js';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { MAX_LIMIT, MAX_WAIT_S } from './routes.js';

/** The durable cloud → gateway messages, for `/openapi.json`. */
export const DOWNLINK_PATHS = {
  '/api/v1/gateways/{id}/downlink': {
    post: {
      summary: 'Queue a message for the gateway (admin); idempotent on (gateway, id)',
      parameters: [gatewayId],
      requestBody: { required: true, content: json(ref('DownlinkMessage')) },
      responses: {
        '201': ok('Queued', ref('Enqueued')),
        '200': ok('Already queued', ref('Enqueued')),
        '400': problem('Invalid message'),
        '401': problem('Not the admin token'),
        '404': problem('Unknown gateway'),
        ...unavailable,
      },
    },
    get: {
      summary: 'Unacknowledged messages in order; long-polls up to `wait` seconds when there are none',
      parameters: [
        gatewayId,
        { name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_S, default: 0 } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 } },
      ],
      responses: {
        '200': ok('Messages (possibly none)', {
          type: 'object',
          required: ['messages'],
          properties: { messages: { type: 'array', items: ref('DownlinkMessage') } },
        }),
        '400': problem('Bad wait or limit'),
        ...denied,
        ...unavailable,
      },
    },
  },
  '/api/v1/gateways/{id}/downlink/acks': {
    post: {
      summary: 'Acknowledge messages; unknown or already acknowledged ids are ignored',
      parameters: [gatewayId],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['acks'],
          properties: { acks: { type: 'array', items: ref('DownlinkAck') } },
        }),
      },
      responses: {
        '200': ok('How many were newly acknowledged', {
          type: 'object',
          required: ['acknowledged'],
          properties: { acknowledged: { type: 'integer' } },
        }),
        '400': problem('Invalid body'),
        ...denied,
        ...unavailable,
      },
    },
  },
};

export const DOWNLINK_SCHEMAS = {
  DownlinkMessage: schema(DownlinkMessage),
  DownlinkAck: schema(DownlinkAck),
  Enqueued: {
    type: 'object',
    required: ['id', 'status'],
    properties: { id: { type: 'string' }, status: { enum: ['queued', 'duplicate'] } },
  },
};
