import { CommissioningLink, DrillStatus } from '@gridlink/protocol';
import { denied, gatewayId } from '../gateways/openapi.js';
import { ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';

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
  '/api/v1/gateways/{id}/commissioning/drills/{alertId}/end': {
    post: {
      summary: 'End the gateway’s drill: its incident is archived by the system (idempotent)',
      parameters: [gatewayId, { name: 'alertId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': ok('The drill incident, archived', ref('DrillStatus')),
        ...denied,
        '404': problem('No drill incident for that alert'),
        ...unavailable,
      },
    },
  },
};

export const COMMISSIONING_SCHEMAS = {
  CommissioningLink: schema(CommissioningLink),
  DrillStatus: schema(DrillStatus),
};
