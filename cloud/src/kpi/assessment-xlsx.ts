import ExcelJS from 'exceljs';
import { DEFAULT_LANGUAGE, type Language, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { Assessment } from './assessment.js';
import { KPI_DEFINITIONS } from './definitions.js';
import { kpiName } from './report.js';

const PERCENT = '0.00%';
const SCORE = '0.00';

/**
 * The monthly assessment as a workbook: the ranking (place, who, score, every KPI as a rate), the
 * score's six-month trend, and the weights that made the score. Numbers stay numbers (rates as
 * 0.9372 formatted 0.00 %), so they sort and sum; nothing due is an empty cell, never 0 %.
 *
 * exceljs writes no charts (it reads and keeps none either), so the trend is a table a reader can
 * chart in Excel with two clicks; the printable page carries the charts.
 */
export async function assessmentXlsx(answer: Assessment, language: Language = DEFAULT_LANGUAGE): Promise<Buffer> {
  const say = (code: string, params: Record<string, unknown> = {}) => render(message(code, params), language);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'gridlink';
  workbook.created = new Date(answer.to);
  const title = say('kpi.assessment_title', {
    tenant: answer.tenant_name,
    scope: answer.scope_name,
    month: answer.month,
    level: answer.level,
  });
  const definitions = KPI_DEFINITIONS.filter((d) => answer.definitions.some((shown) => shown.code === d.code));

  const ranking = workbook.addWorksheet(say('kpi.sheet_ranking'), {
    views: [{ state: 'frozen', ySplit: 2, xSplit: 3 }],
  });
  ranking.addRow([title]).font = { bold: true, size: 13 };
  const header = ranking.addRow([
    say('kpi.rank'),
    say('kpi.code'),
    say('kpi.name'),
    say('kpi.composite'),
    say('kpi.peers'),
    say('kpi.due'),
    say('kpi.closed'),
    say('kpi.closed_on_time'),
    ...definitions.map((d) => kpiName(d.name, language)),
  ]);
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle' };
  for (const row of answer.rows)
    ranking.addRow([
      row.rank,
      row.key,
      row.name,
      row.score,
      row.peers,
      row.counts.dueForClosing ?? 0,
      row.counts.closed ?? 0,
      row.counts.closedOnTime ?? 0,
      ...definitions.map((d) => {
        const percent = row.rates[d.code]?.percent ?? null;
        return percent === null ? null : percent / 100;
      }),
    ]);
  ranking.columns.forEach((column, index) => {
    column.width = index === 1 || index === 2 ? 22 : index === 0 ? 8 : 13;
    if (index === 3) column.numFmt = SCORE;
    if (index >= 8) column.numFmt = PERCENT;
  });

  const trends = workbook.addWorksheet(say('kpi.sheet_trends'), { views: [{ state: 'frozen', ySplit: 2, xSplit: 2 }] });
  trends.addRow([`${title} · ${say('kpi.trend_of_score')}`]).font = { bold: true, size: 13 };
  trends.addRow([say('kpi.code'), say('kpi.name'), ...answer.months]).font = { bold: true };
  for (const row of answer.rows) trends.addRow([row.key, row.name, ...row.trend.map((point) => point.score)]);
  trends.columns.forEach((column, index) => {
    column.width = index < 2 ? 22 : 11;
    if (index >= 2) column.numFmt = SCORE;
  });

  const weights = workbook.addWorksheet(say('kpi.sheet_weights'));
  weights.addRow([say('kpi.weights_formula')]).font = { italic: true };
  weights.addRow([say('kpi.indicator'), say('kpi.weight'), say('kpi.lower_is_better')]).font = { bold: true };
  for (const d of definitions)
    weights.addRow([kpiName(d.name, language), answer.weights[d.code] ?? 0, d.lowerIsBetter ? '✓' : '']);
  weights.getColumn(1).width = 18;
  weights.getColumn(2).width = 10;
  weights.getColumn(3).width = 14;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
