import { denied, gatewayId } from '../gateways/openapi.js';
import { ok, problem, ref, unavailable } from '../http/openapi-parts.js';

/** The commissioning check's questions from a gateway, for `/openapi.json`. */
export const COMMISSIONING_PATHS = {
  '/api/v1/gateways/{id}/commissioning/link': {
    get: {
      summary: 'A round trip for the commissioning check: the cloud reads the gateway’s record and answers',
      parameters: [gatewayId],
      responses: { '200': ok('The link works', ref('CommissioningLink')), ...denied, ...unavailable },
    },
  },
  '/api/v1/gateways/{id}/commissioning/drills/{alertId}': {
    get: {
      summary: 'How far the gateway’s drill alert got: the drill incident, its dispatch, the live notice',
      parameters: [gatewayId, { name: 'alertId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': ok('The drill incident', ref('DrillStatus')),
        ...denied,
        '404': problem('No drill incident for that alert (yet)'),
        ...unavailable,
      },
    },
  },
};

export const COMMISSIONING_SCHEMAS = {
  CommissioningLink: {
    type: 'object',
    required: ['gateway_id', 'community', 'at'],
    properties: {
      gateway_id: { type: 'string' },
      community: { type: ['string', 'null'] },
      at: { type: 'string', format: 'date-time' },
    },
  },
  DrillStatus: {
    type: 'object',
    required: ['incident_id', 'drill', 'state', 'created_at', 'dispatched', 'notified_at'],
    properties: {
      incident_id: { type: 'string' },
      drill: { const: true },
      state: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
      dispatched: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['at', 'assignee_kind', 'reason', 'assignee_name'],
            properties: {
              at: { type: 'string', format: 'date-time' },
              assignee_kind: { type: 'string' },
              reason: { type: 'string' },
              assignee_name: { type: 'string', description: 'Masked: the first character, the rest *' },
            },
          },
        ],
      },
      notified_at: { type: ['string', 'null'], format: 'date-time' },
    },
  },
};
