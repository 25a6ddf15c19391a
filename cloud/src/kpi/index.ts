export { computeKpis, countFacts, KpiPolicy, type KpiReport, kpisFromCounts, type Rate } from './compute.js';
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
