import ExcelJS from 'exceljs';
import { DEFAULT_LANGUAGE, type Language, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { KPI_DEFINITIONS } from './definitions.js';
import { kpiName, type ReportRow } from './report.js';

/** The levels, in the order an assessment workbook lists them (a sheet each, named in the reader's language). */
export const LEVEL_SHEETS: readonly ReportRow['level'][] = [
  'district',
  'street',
  'community',
  'grid',
  'worker',
  'unit',
];

export interface XlsxReportOptions {
  /** The assessment period [from, to), printed in each sheet's title. */
  from: Date;
  to: Date;
  /** Shown in the title row, e.g. "2026年10月". */
  title?: string;
  /** Headers, sheet names and the title in this language; zh-CN by default. */
  language?: Language;
}

const PERCENT = '0.00%';
const CHINA_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short' });

/**
 * The monthly assessment report as an XLSX workbook: one sheet per level present in `rows` (in
 * {@link LEVEL_SHEETS} order), a title row with the period, a bilingual header, then one row per
 * territory, worker or unit. Rates are numbers (0.9372, not "93.72") formatted 0.00 %, so they sort
 * and sum in Excel; a rate with nothing due is an empty cell, not 0 %.
 */
export async function reportXlsx(rows: readonly ReportRow[], options: XlsxReportOptions): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'gridlink';
  workbook.created = options.to;
  const period = `${CHINA_DATE.format(options.from)} – ${CHINA_DATE.format(new Date(options.to.getTime() - 1))}`;
  const language = options.language ?? DEFAULT_LANGUAGE;
  const say = (code: string, params: Record<string, unknown> = {}) => render(message(code, params), language);
  const sheetName = (level: ReportRow['level']) => say('kpi.level_of', { level });
  const header = [
    say('kpi.code'),
    say('kpi.name'),
    say('kpi.due'),
    say('kpi.closed'),
    say('kpi.closed_on_time'),
    ...KPI_DEFINITIONS.map((d) => kpiName(d.name, language)),
    say('kpi.composite'),
  ];
  for (const level of LEVEL_SHEETS) {
    const ofLevel = rows.filter((row) => row.level === level);
    if (ofLevel.length === 0) continue;
    const sheet = workbook.addWorksheet(sheetName(level), { views: [{ state: 'frozen', ySplit: 2, xSplit: 2 }] });
    sheet.addRow([`${options.title ?? say('kpi.report_title')} · ${sheetName(level)} · ${period}`]);
    sheet.getRow(1).font = { bold: true, size: 13 };
    const head = sheet.addRow(header);
    head.font = { bold: true };
    head.alignment = { wrapText: true, vertical: 'middle' };
    for (const row of ofLevel) {
      const { counts, rates, composite } = row.report;
      sheet.addRow([
        row.code,
        row.name,
        counts.dueForClosing,
        counts.closed,
        counts.closedOnTime,
        ...KPI_DEFINITIONS.map((d) => {
          const percent = rates[d.code].percent;
          return percent === null ? null : percent / 100;
        }),
        composite,
      ]);
    }
    const firstRate = 6;
    for (let column = 1; column <= header.length; column++) {
      const cells = sheet.getColumn(column);
      cells.width = column <= 2 ? 20 : 14;
      if (column >= firstRate && column < firstRate + KPI_DEFINITIONS.length) cells.numFmt = PERCENT;
      if (column === header.length) cells.numFmt = '0.00';
    }
  }
  if (workbook.worksheets.length === 0) workbook.addWorksheet(sheetName('district')).addRow(header);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
