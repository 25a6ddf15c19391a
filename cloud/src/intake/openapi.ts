import { CloudEvent } from '@gridlink/protocol';
import { denied, gatewayId } from '../gateways/openapi.js';
import { ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';

/** Gateways' event batches, for `/openapi.json`. */
export const INTAKE_PATHS = {
  '/api/v1/gateways/{id}/events': {
    post: {
      summary: 'Send a batch of 1-5000 CloudEvents (idempotent on source + id)',
      parameters: [gatewayId],
      requestBody: {
        required: true,
        content: {
          'application/cloudevents-batch+json': { schema: { type: 'array', items: ref('CloudEvent') } },
          'application/json': { schema: { type: 'array', items: ref('CloudEvent') } },
        },
      },
      responses: {
        '200': ok('One result per event, in request order', ref('EventResults')),
        '400': problem('Not an array, empty, or more than 5000 events'),
        ...denied,
        '413': problem('Body over 16 MiB'),
        '415': problem('Not JSON'),
        ...unavailable,
      },
    },
  },
};

export const INTAKE_SCHEMAS = {
  CloudEvent: schema(CloudEvent),
  EventResults: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'status'],
          properties: {
            id: { type: 'string' },
            status: { enum: ['accepted', 'duplicate', 'rejected'] },
            error: { type: 'string' },
          },
        },
      },
    },
  },
};
