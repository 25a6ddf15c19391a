import { json, problem, schema } from '../http/openapi-parts.js';
import { NearbyQuery } from './nearby.js';
import { PositionFix } from './position.js';

const common = {
  '401': problem('No session, or an ended one'),
  '503': problem('The database is unavailable: retry later'),
};

/** The query's fields as OpenAPI parameters, from the zod schema itself. */
const nearbyParameters = Object.entries(
  (schema(NearbyQuery) as { properties: Record<string, unknown>; required?: string[] }).properties,
).map(([name, property]) => ({
  name,
  in: 'query',
  required: ['lon', 'lat'].includes(name),
  schema: property,
}));

/** Field work over the incidents API: duplicates near a street report, and the fix an arrival carries. */
export const FIELD_PATHS = {
  '/api/v1/incidents/nearby': {
    get: {
      summary:
        'Open incidents near a point (before filing a street report, 随手拍): same category first, then nearest; only those the caller’s scope holds',
      description:
        'An incident’s point is its own (a phone’s fix at reporting) or, without one, its building’s (territory_buildings). Drills and closed incidents are left out. The search is audited without the point.',
      parameters: nearbyParameters,
      responses: {
        '200': {
          description: 'The incidents found, at most `limit`',
          content: json({
            type: 'object',
            required: ['radius_m', 'since', 'incidents'],
            properties: {
              radius_m: { type: 'integer' },
              since: { type: 'string', format: 'date-time' },
              incidents: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'title', 'state', 'category', 'distance_m', 'same_category', 'position_from'],
                  properties: {
                    id: { type: 'string' },
                    title: { type: 'string' },
                    state: { type: 'string' },
                    category: { type: 'string' },
                    severity: { type: 'string' },
                    occurrences: { type: 'integer' },
                    address: { type: ['string', 'null'] },
                    created_at: { type: 'string', format: 'date-time' },
                    distance_m: { type: 'integer' },
                    same_category: { type: 'boolean' },
                    position_from: { type: 'string', enum: ['incident', 'building'] },
                  },
                },
              },
            },
          }),
        },
        '400': problem('Invalid query (errors[] names each parameter)'),
        ...common,
      },
    },
  },
};

export const FIELD_SCHEMAS = {
  /**
   * `data.position` of the `arrive` step (到场签到) and, with `crs` defaulting to gcj02 and the
   * accuracy optional, `location` of a report.
   */
  PositionFix: {
    ...schema(PositionFix),
    description:
      'A phone’s fix: WGS-84 unless crs says gcj02 (converted), accuracy in metres (0 < accuracy ≤ 2000), and when it was taken (not in the future beyond 2 min, not older than a day). The arrive step records it in WGS-84 with data.distance_m to the incident’s point (or its building’s; null when neither is known) and data.distance_to.',
  },
};
