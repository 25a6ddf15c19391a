import type { KpiReport } from './compute.js';
import { KPI_DEFINITIONS } from './definitions.js';

/** One row of an assessment report: a grid, worker, unit, community or street over the period. */
export interface ReportRow {
  level: 'grid' | 'worker' | 'unit' | 'community' | 'street' | 'district';
  code: string;
  name: string;
  report: KpiReport;
}

/** Columns in the order assessment sheets use: who, then each rate as a percentage, then the score. */
export function reportTable(rows: readonly ReportRow[]): string[][] {
  const header = [
    '层级 Level',
    '编码 Code',
    '名称 Name',
    ...KPI_DEFINITIONS.map((d) => `${d.name.zh} ${d.name.en} (%)`),
    '综合得分 Composite',
  ];
  const body = rows.map((row) => [
    row.level,
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
export function reportCsv(rows: readonly ReportRow[]): string {
  const safe = (cell: string) => (/^[=+\-@]/.test(cell) && Number.isNaN(Number(cell)) ? `'${cell}` : cell);
  return `\uFEFF${reportTable(rows)
    .map((line) => line.map((cell) => quote(safe(cell))).join(','))
    .join('\r\n')}\r\n`;
}
