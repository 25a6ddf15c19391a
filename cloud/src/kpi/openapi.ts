import { ok, problem, schema } from '../http/openapi-parts.js';
import { Assessment } from './assessment.js';

const query = (name: string, description: string, example: string, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema: { type: 'string' },
  example,
});
const period = [
  query('from', 'Start of the period: a date (midnight in China) or a datetime with an offset', '2026-10-01', true),
  query('to', 'End of the period (excluded), at most a year after from', '2026-11-01', true),
  query('group_by', 'district | street | community | grid | worker | unit (default grid)', 'street'),
  query('territory', 'Only groups inside this district, street, community or grid code', '320803001'),
];
const refused = {
  '400': problem('Invalid query parameters'),
  '401': problem('No session, or an ended one'),
  '403': problem('The caller’s roles see no KPIs, or not of that territory'),
  '503': problem('The database is unavailable: retry later'),
};

const patrolPeriod = [period[0], period[1], period[3]];
const assessmentQuery = [
  query('month', 'The calendar month assessed (China time); the trend covers it and the five before', '2026-10', true),
  query('level', 'street | community | grid | worker | unit (default grid)', 'grid'),
  query(
    'within',
    'Only rows inside this district, street, community or grid code (inside the caller’s scope)',
    '320803001',
  ),
];

/** The KPI routes for `/openapi.json`: rates from step records, filtered by the caller's scope. */
export const KPI_PATHS = {
  '/api/v1/kpis': {
    get: {
      summary: 'The KPIs of domain §5 per group over a period, from step records (drills excluded)',
      parameters: [
        ...period,
        query('source', 'Per channel: only incidents reported through this source (hotline, patrol, iot…)', 'hotline'),
      ],
      responses: { '200': { description: 'Counts, rates and composite per group' }, ...refused },
    },
  },
  '/api/v1/kpis/assessment': {
    get: {
      summary:
        'The monthly assessment (考核) of a level: each row’s KPIs (the figures of GET /kpis), composite score by the tenant’s weights, place among its peers (ties share a place) and six-month trend. Each role sees its scope: admins and operators their territory, a grid worker their grid and their own row, a property manager their community, a disposal unit its own row',
      parameters: assessmentQuery,
      responses: {
        '200': ok('The ranking with scores, KPIs and trends', schema(Assessment)),
        ...refused,
      },
    },
  },
  '/api/v1/kpis/assessment.xlsx': {
    get: {
      summary:
        'The monthly assessment as an Excel workbook: a ranking sheet (place, score, KPIs as percentages), a trends sheet (six months of scores; exceljs writes no charts) and the weights',
      parameters: assessmentQuery,
      responses: {
        '200': {
          description: 'XLSX',
          content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {} },
        },
        ...refused,
      },
    },
  },
  '/api/v1/kpis/patrol': {
    get: {
      summary:
        'Patrol KPIs (巡查考核) per grid worker and grid: rounds planned and done (巡查到位率), checkpoints reached, flagged check-ins, metres and minutes on patrol, reports filed and valid, median minutes to arrive on site',
      parameters: patrolPeriod,
      responses: { '200': { description: 'Counts and rates per worker and per grid' }, ...refused },
    },
  },
  '/api/v1/kpis/patrol.csv': {
    get: {
      summary: 'The patrol KPIs as CSV (UTF-8 with BOM), a row per worker then per grid',
      parameters: patrolPeriod,
      responses: { '200': { description: 'CSV', content: { 'text/csv': {} } }, ...refused },
    },
  },
  '/api/v1/kpis/report.csv': {
    get: {
      summary: 'The assessment report as CSV (UTF-8 with BOM, bilingual header)',
      parameters: period,
      responses: { '200': { description: 'CSV', content: { 'text/csv': {} } }, ...refused },
    },
  },
  '/api/v1/kpis/report.xlsx': {
    get: {
      summary: 'The assessment report as an Excel workbook, a sheet per level',
      parameters: period,
      responses: {
        '200': {
          description: 'XLSX',
          content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {} },
        },
        ...refused,
      },
    },
  },
};
