import { CategoryBody } from '../categories/routes.js';
import { Limit, TimeLimitRule } from '../categories/schema.js';
import { DeadlineSettings } from '../deadlines/rules.js';
import { DispatchSettingsBody } from '../dispatch/settings.js';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { IncidentSettings } from '../incidents/settings.js';
import { KpiPolicy } from '../kpi/compute.js';
import { SessionSettings } from '../people/session-settings.js';
import { SETTINGS_READERS } from './routes.js';

const unauthenticated = { '401': problem('No session or admin token, or an ended session') };
const invalid = (what: string) => problem(`${what}; \`errors[]\` names each field (JSON Pointer) and what it expects`);
const tenantAdmin = 'the admin token or a district_admin over a whole district (6-digit scope)';

const group = (name: keyof typeof SETTINGS_READERS, title: string, body: string, notes: string) => ({
  get: {
    summary: `The ${title} (${SETTINGS_READERS[name].join(', ')}, or the admin token); each read is audited`,
    responses: {
      '200': ok(`The ${title} in force`, ref(body)),
      ...unauthenticated,
      '403': problem(`Not one of the roles ${SETTINGS_READERS[name].join(', ')}`),
      ...unavailable,
    },
  },
  put: {
    summary: `Replace the ${title} (${tenantAdmin}); counts at once on every replica. ${notes}`,
    requestBody: { required: true, content: json(ref(body)) },
    responses: {
      '200': ok(`The ${title} now`, ref(body)),
      '400': invalid(`Invalid ${title}`),
      ...unauthenticated,
      '403': problem(`Not ${tenantAdmin}`),
      ...unavailable,
    },
  },
});

const categoryCode = {
  name: 'code',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  example: 'urban_management.manhole_cover',
};

/** Tenant settings, the category catalogue's edits and the time limits, for `/openapi.json`. */
export const SETTINGS_PATHS = {
  '/api/v1/settings/deadlines': group(
    'deadlines',
    'deadline settings',
    'DeadlineSettings',
    'Working hours and the tenant’s own days, light thresholds, what yellow and red raise, and the unsigned life-safety chain (sign-for timeout `unsignedMinutes`, links above the grid chief `unsignedChain`, categories that run it when not urgent `unsignedCategories`); fields left out take their defaults.',
  ),
  '/api/v1/settings/dispatch': group(
    'dispatch',
    'dispatch settings',
    'DispatchSettings',
    'Every field is required; life-safety categories must exist in the catalogue.',
  ),
  '/api/v1/settings/incidents': group(
    'incidents',
    'incident settings',
    'IncidentSettings',
    'The dedup window of gateway alerts (seconds) and what an unsatisfied callback does (rework or evaluate); every field is required. The next alert batch and the next transition use them.',
  ),
  '/api/v1/settings/kpis': group(
    'kpis',
    'KPI settings',
    'KpiSettings',
    'Whether suspended incidents leave the due count (结案率 denominators) and the composite score’s weights per KPI code.',
  ),
  '/api/v1/settings/sessions': group(
    'sessions',
    'session settings',
    'SessionSettings',
    'Session idle and absolute lifetimes, and the login throttle; every field is required and bounded.',
  ),
  '/api/v1/categories/{code}': {
    get: {
      summary: 'One category of the catalogue, inactive ones included (any signed-in user)',
      parameters: [categoryCode],
      responses: {
        '200': ok('The category', { type: 'object' }),
        ...unauthenticated,
        '404': problem('No such category'),
        ...unavailable,
      },
    },
    put: {
      summary: `Create or replace a category (${tenantAdmin}); its parent (the code without its last level) must exist. Audited with what was there before`,
      parameters: [categoryCode],
      requestBody: { required: true, content: json(ref('CategoryBody')) },
      responses: {
        '201': ok('Created', { type: 'object' }),
        '200': ok('Replaced', { type: 'object' }),
        '400': invalid('Not a category code, an invalid category, or its parent is missing'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
  '/api/v1/time-limits': {
    get: {
      summary: 'Every time-limit rule: category × severity × step (`*` is any), the most specific wins',
      responses: {
        '200': ok('The rules, tenant defaults first', {
          type: 'object',
          required: ['time_limits'],
          properties: { time_limits: { type: 'array', items: ref('TimeLimitRule') } },
        }),
        ...unauthenticated,
        ...unavailable,
      },
    },
    put: {
      summary: `Set one time-limit rule (${tenantAdmin}); deadlines written from then on use it`,
      requestBody: { required: true, content: json(ref('TimeLimitRule')) },
      responses: {
        '201': ok('A new rule', ref('TimeLimitRule')),
        '200': ok('The rule’s limit replaced', ref('TimeLimitRule')),
        '400': invalid('An invalid rule, or an unknown category'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        ...unavailable,
      },
    },
  },
  '/api/v1/time-limits/{category}/{severity}/{step}': {
    delete: {
      summary: `Remove an override (${tenantAdmin}): the next less specific rule applies; the tenant defaults (* × *) stay`,
      parameters: [
        { name: 'category', in: 'path', required: true, schema: { type: 'string' }, example: 'safety.fire_lane' },
        { name: 'severity', in: 'path', required: true, schema: { type: 'string' }, example: '*' },
        { name: 'step', in: 'path', required: true, schema: { type: 'string' }, example: 'handle' },
      ],
      responses: {
        '204': { description: 'Removed' },
        '400': invalid('Not a rule, or a tenant default'),
        ...unauthenticated,
        '403': problem(`Not ${tenantAdmin}`),
        '404': problem('No such rule'),
        ...unavailable,
      },
    },
  },
};

export const SETTINGS_SCHEMAS = {
  DeadlineSettings: schema(DeadlineSettings),
  DispatchSettings: schema(DispatchSettingsBody),
  IncidentSettings: schema(IncidentSettings),
  KpiSettings: schema(KpiPolicy),
  SessionSettings: schema(SessionSettings),
  CategoryBody: schema(CategoryBody),
  TimeLimitRule: schema(TimeLimitRule),
  Limit: schema(Limit),
};
