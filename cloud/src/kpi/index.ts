export {
  ASSESSMENT_LEVELS,
  Assessment,
  AssessmentLevel,
  AssessmentParams,
  AssessmentRow,
  AssessmentTrendPoint,
  monthsEndingWith,
  rankByScore,
  TREND_MONTHS,
} from './assessment.js';
export { assessmentXlsx } from './assessment-xlsx.js';
export {
  computeKpis,
  countFacts,
  DEFAULT_KPI_WEIGHTS,
  KpiPolicy,
  type KpiReport,
  KpiSettingsInput,
  kpisFromCounts,
  type Rate,
} from './compute.js';
export {
  type Counts,
  type IncidentFacts,
  KPI_CODES,
  KPI_DEFINITIONS,
  KpiCode,
  type KpiDefinition,
} from './definitions.js';
export {
  KPI_GROUPS,
  type KpiGroup,
  KpiGroupBy,
  type KpiGroupReport,
  type KpiQuery,
  kpiCounts,
  kpiCountsSql,
  kpiGroupNames,
  kpiReport,
  kpiTerritoryCondition,
} from './query.js';
export { type ReportRow, reportCsv, reportTable } from './report.js';
export { LEVEL_SHEETS, reportXlsx, type XlsxReportOptions } from './report-xlsx.js';
export { KPI_ROLES, type KpiGrant, kpiGrants, kpiScope } from './scope.js';
