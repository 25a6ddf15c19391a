import { DEFAULT_LANGUAGE, type Language, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { KpiReport } from './compute.js';
import { KPI_DEFINITIONS } from './definitions.js';

/** One row of an assessment report: a grid, worker, unit, community or street over the period. */
export interface ReportRow {
  level: 'grid' | 'worker' | 'unit' | 'community' | 'street' | 'district';
  code: string;
  name: string;
  report: KpiReport;
}

/** A KPI's name in `language`. */
export const kpiName = (name: { zh: string; en: string }, language: Language) =>
  language === 'en' ? name.en : name.zh;

/**
 * Columns in the order assessment sheets use: who, then each rate as a percentage, then the score;
 * headers and levels in the reader's language (zh-CN by default).
 */
export function reportTable(rows: readonly ReportRow[], language: Language = DEFAULT_LANGUAGE): string[][] {
  const say = (code: string, params: Record<string, unknown> = {}) => render(message(code, params), language);
  const header = [
    say('kpi.level'),
    say('kpi.code'),
    say('kpi.name'),
    ...KPI_DEFINITIONS.map((d) => say('kpi.rate_percent', { name: kpiName(d.name, language) })),
    say('kpi.composite'),
  ];
  const body = rows.map((row) => [
    render(message('kpi.level_of', { level: row.level }), language),
    row.code,
    row.name,
    ...KPI_DEFINITIONS.map((d) => {
      const percent = row.report.rates[d.code].percent;
      return percent === null ? '' : percent.toFixed(2);
    }),
    row.report.composite === null ? '' : row.report.composite.toFixed(2),
  ]);
  return [header, ...body];
}

const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * CSV (RFC 4180) with a UTF-8 byte-order mark: without it, Excel on a Chinese Windows opens the
 * file as GBK and the names come out garbled. A cell starting with = + - @ is prefixed with an
 * apostrophe so a name can never run as a formula (CSV injection).
 */
export function reportCsv(rows: readonly ReportRow[], language: Language = DEFAULT_LANGUAGE): string {
  return csvFile(reportTable(rows, language));
}

/** A table as such a CSV file: BOM, CRLF, quoted where needed, formulas defused. */
export function csvFile(table: readonly (readonly string[])[]): string {
  const safe = (cell: string) => (/^[=+\-@]/.test(cell) && Number.isNaN(Number(cell)) ? `'${cell}` : cell);
  return `\uFEFF${table.map((line) => line.map((cell) => quote(safe(cell))).join(',')).join('\r\n')}\r\n`;
}
