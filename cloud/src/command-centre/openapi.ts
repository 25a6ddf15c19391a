import { ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { CommandCentreOverview } from './schema.js';

export const COMMAND_CENTRE_SCHEMAS = { CommandCentreOverview: schema(CommandCentreOverview) };

/** The command screen's routes for `/openapi.json`. */
export const COMMAND_CENTRE_PATHS = {
  '/api/v1/command-centre/overview': {
    get: {
      summary:
        'The district command screen (指挥大屏) in one read: open incidents by state, category, source and light; today’s intake, closures, breaches and escalations (China time); the KPIs of this month and last; gateway and device health by community; open incidents per grid with the worst light; the newest urgent incidents; and every open incident as a compact pin (columns). District admins and operators, over their territory; drills left out',
      parameters: [
        {
          name: 'territory',
          in: 'query',
          required: false,
          description: 'A district, street, community or grid code inside the caller’s territory',
          schema: { type: 'string', pattern: '^\\d{6}(\\d{3}){0,3}$' },
          example: '320803001',
        },
      ],
      responses: {
        '200': ok('The screen’s figures', ref('CommandCentreOverview')),
        '400': problem('The territory is not a territory code'),
        '401': problem('No session'),
        '403': problem('Not a district admin or operator, or the territory lies outside theirs'),
        ...unavailable,
      },
    },
  },
};
