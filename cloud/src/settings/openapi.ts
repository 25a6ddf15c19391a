import { DeadlineSettings } from '../deadlines/rules.js';
import { DispatchSettingsBody } from '../dispatch/settings.js';
import { json, ok, problem, ref, schema, unavailable } from '../http/openapi-parts.js';
import { IncidentSettings } from '../incidents/settings.js';
import { KpiSettingsInput } from '../kpi/compute.js';
import { MaintenanceSettings } from '../maintenance/settings.js';
import { SessionSettings } from '../people/session-settings.js';
import { WorkingCalendarYear } from './calendar-routes.js';
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

/** Tenant settings, for `/openapi.json`. */
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
    'Whether suspended incidents leave the due count (结案率 denominators) and the composite score’s weights per KPI code (percentage points 0–100, two decimals at most, summing to 100; default: the practice weights of docs/domain.md §5).',
  ),
  '/api/v1/settings/maintenance': group(
    'maintenance',
    'maintenance thresholds',
    'MaintenanceSettings',
    'When a device gone silent or a silent gateway becomes a maintenance ticket: minutes offline (by device kind, else the default), a gateway’s silent minutes, and the repeat window (days) shown on tickets; every field is required. The next sweep uses them.',
  ),
  '/api/v1/settings/sessions': group(
    'sessions',
    'session settings',
    'SessionSettings',
    'Session idle and absolute lifetimes, and the login throttle; every field is required and bounded.',
  ),
  '/api/v1/working-calendar/{year}': {
    get: {
      summary: `A year's working calendar (${SETTINGS_READERS.deadlines.join(', ')}, or the admin token): the statutory days off and make-up workdays (调休) of the built-in Chinese calendar, and the tenant's own holidays and workdays, which \`PUT /settings/deadlines\` edits (\`time.days\`)`,
      parameters: [
        { name: 'year', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}$' }, example: '2026' },
      ],
      responses: {
        '200': ok('The year’s calendar', ref('WorkingCalendarYear')),
        '400': problem('Not a year from 2000 to 2100'),
        ...unauthenticated,
        '403': problem(`Not one of the roles ${SETTINGS_READERS.deadlines.join(', ')}`),
        ...unavailable,
      },
    },
  },
};

export const SETTINGS_SCHEMAS = {
  WorkingCalendarYear: schema(WorkingCalendarYear),
  DeadlineSettings: schema(DeadlineSettings),
  DispatchSettings: schema(DispatchSettingsBody),
  IncidentSettings: schema(IncidentSettings),
  KpiSettings: schema(KpiSettingsInput),
  MaintenanceSettings: schema(MaintenanceSettings),
  SessionSettings: schema(SessionSettings),
};
