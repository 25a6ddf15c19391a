import ExcelJS from 'exceljs';
import { KPI_DEFINITIONS } from './definitions.js';
import type { ReportRow } from './report.js';

/** Sheet names, in the order an assessment workbook lists the levels. */
export const LEVEL_SHEETS: Record<ReportRow['level'], string> = {
  district: '区 District',
  street: '街道 Street',
  community: '社区 Community',
  grid: '网格 Grid',
  worker: '网格员 Worker',
  unit: '处置单位 Unit',
};

export interface XlsxReportOptions {
  /** The assessment period [from, to), printed in each sheet's title. */
  from: Date;
  to: Date;
  /** Shown in the title row, e.g. "2026年10月 October 2026". */
  title?: string;
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
  const header = [
    '编码 Code',
    '名称 Name',
    '应结案 Due',
    '结案 Closed',
    '按期结案 Closed on time',
    ...KPI_DEFINITIONS.map((d) => `${d.name.zh} ${d.name.en}`),
    '综合得分 Composite',
  ];
  for (const level of Object.keys(LEVEL_SHEETS) as ReportRow['level'][]) {
    const ofLevel = rows.filter((row) => row.level === level);
    if (ofLevel.length === 0) continue;
    const sheet = workbook.addWorksheet(LEVEL_SHEETS[level], { views: [{ state: 'frozen', ySplit: 2, xSplit: 2 }] });
    sheet.addRow([`${options.title ?? '考核报表 Assessment report'} · ${LEVEL_SHEETS[level]} · ${period}`]);
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
  if (workbook.worksheets.length === 0) workbook.addWorksheet(LEVEL_SHEETS.district).addRow(header);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
