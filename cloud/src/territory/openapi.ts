import { ok, problem, schema, unavailable } from '../http/openapi-parts.js';
import { BOUNDARY_LEVELS, TerritoryBoundaries } from './boundaries.js';
import { MAX_PLACES } from './search-routes.js';

const session = { '401': problem('No session, or an ended one'), ...unavailable };
const name = { type: 'object', required: ['zh', 'en'], properties: { zh: { type: 'string' }, en: { type: 'string' } } };

/** The territory's areas and place search the pages' maps and pickers read, for `/openapi.json`. */
export const TERRITORY_PATHS = {
  '/api/v1/territory/areas': {
    get: {
      summary: 'The areas in force of a territory unit and the units under it, as GeoJSON (any signed-in user)',
      parameters: [
        {
          name: 'under',
          in: 'query',
          required: true,
          description:
            'A territory code: district (6 digits), street (9), community (12), grid (15) or micro-grid (18)',
          schema: { type: 'string', pattern: '^[0-9]{6}([0-9]{3}){0,4}$' },
        },
      ],
      responses: {
        '200': ok('A GeoJSON FeatureCollection (WGS-84): one Feature per unit, id its code', {
          type: 'object',
          required: ['type', 'features'],
          properties: {
            type: { const: 'FeatureCollection' },
            features: {
              type: 'array',
              items: {
                type: 'object',
                required: ['type', 'id', 'properties', 'geometry'],
                properties: {
                  type: { const: 'Feature' },
                  id: { type: 'string' },
                  properties: {
                    type: 'object',
                    required: ['code', 'level', 'name'],
                    properties: { code: { type: 'string' }, level: { type: 'string' }, name },
                  },
                  geometry: { type: 'object', description: 'A GeoJSON Polygon or MultiPolygon' },
                },
              },
            },
          },
        }),
        '400': problem('under is not a territory code'),
        '403': problem('The territory is outside the caller’s'),
        ...session,
      },
    },
  },
  '/api/v1/territory/boundaries': {
    get: {
      summary: 'The areas of one level under a territory unit, in force at a time, as GeoJSON (any signed-in user)',
      description:
        'A unit inside the caller’s territory answers in full; a unit holding part of it (a grid worker’s community) ' +
        'answers with that part; a unit sharing nothing with it is refused (403).',
      parameters: [
        {
          name: 'within',
          in: 'query',
          required: true,
          description: 'A territory code: district (6 digits), street (9), community (12) or grid (15)',
          schema: { type: 'string', pattern: '^[0-9]{6}([0-9]{3}){0,4}$' },
        },
        {
          name: 'level',
          in: 'query',
          required: false,
          description: 'The level of the units listed, below that of within; default the level just below',
          schema: { enum: [...BOUNDARY_LEVELS] },
        },
        {
          name: 'at',
          in: 'query',
          required: false,
          description: 'The time the areas are in force at (ISO 8601 with offset); default now',
          schema: { type: 'string', format: 'date-time' },
        },
        {
          name: 'simplify',
          in: 'query',
          required: false,
          description: 'Douglas–Peucker tolerance in metres, for drawing a large district with fewer points',
          schema: { type: 'number', minimum: 0, maximum: 1000 },
        },
      ],
      responses: {
        '200': ok('A GeoJSON FeatureCollection (WGS-84), by code', schema(TerritoryBoundaries)),
        '400': problem('within is not a territory code, level is not below it, or at is not a time'),
        '403': problem('The territory shares nothing with the caller’s'),
        ...session,
      },
    },
  },
  '/api/v1/territory/search': {
    get: {
      summary: 'The communities and grids the caller sees whose name contains the text (any signed-in user)',
      parameters: [
        {
          name: 'q',
          in: 'query',
          required: true,
          description: 'Part of a place’s Chinese or English name, matched literally and without case',
          schema: { type: 'string', minLength: 1, maxLength: 100 },
        },
      ],
      responses: {
        '200': ok(`At most ${MAX_PLACES} places, communities before grids, by code`, {
          type: 'object',
          required: ['places'],
          properties: {
            places: {
              type: 'array',
              items: {
                type: 'object',
                required: ['code', 'level', 'name', 'parent'],
                properties: {
                  code: { type: 'string' },
                  level: { enum: ['community', 'grid'] },
                  name,
                  parent: {
                    oneOf: [
                      { type: 'null' },
                      {
                        type: 'object',
                        required: ['code', 'name'],
                        properties: { code: { type: 'string' }, name },
                      },
                    ],
                  },
                },
              },
            },
          },
        }),
        '400': problem('q is empty or too long'),
        ...session,
      },
    },
  },
};
