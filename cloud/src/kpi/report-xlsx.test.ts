import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { KpiPolicy, kpisFromCounts } from './compute.js';
import type { Counts } from './definitions.js';
import type { ReportRow } from './report.js';
import { reportXlsx } from './report-xlsx.js';

const counts = (due: number, closed: number, onTime: number): Counts => ({
  shouldDispatch: due,
  dispatched: due,
  shouldHandle: due,
  handled: closed,
  closed,
  closedOnTime: onTime,
  dueForClosing: due,
  reworks: 0,
  extensions: 0,
  callbacks: 0,
  satisfied: 0,
  solved: 0,
});
const policy = KpiPolicy.parse({ weights: { closing_rate: 1, on_time_closing_rate: 1 } });
const row = (level: ReportRow['level'], code: string, name: string, c: Counts): ReportRow => ({
  level,
  code,
  name,
  report: kpisFromCounts(c, policy),
});

describe('the XLSX assessment report', () => {
  it('has one sheet per level, a header in the reader’s language (zh-CN by default) and rates as numbers formatted 0.00 %', async () => {
    const buffer = await reportXlsx(
      [
        row('street', '320803001', '=HYPERLINK("x")', counts(972, 911, 737)),
        row('grid', '320803001001001', '一网格', counts(530, 500, 400)),
        row('grid', '320803001001002', '二网格', counts(0, 0, 0)),
      ],
      { from: new Date('2026-10-01T00:00:00+08:00'), to: new Date('2026-11-01T00:00:00+08:00') },
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['街道', '网格']);

    const street = workbook.getWorksheet('街道') as ExcelJS.Worksheet;
    expect(String(street.getCell('A1').value)).toContain('2026-10-01 – 2026-10-31');
    const header = (street.getRow(2).values as unknown[]).slice(1);
    expect(header.slice(0, 5)).toEqual(['编码', '名称', '应结案', '结案', '按期结案']);
    expect(header).toContain('结案率');
    expect(header).toContain('按期结案率');
    expect(header.at(-1)).toBe('综合得分');
    const column = (name: string) => header.indexOf(name) + 1;

    const closing = street.getCell(3, column('结案率'));
    expect(closing.value).toBe(0.9372);
    expect(closing.numFmt).toBe('0.00%');
    const onTime = street.getCell(3, column('按期结案率'));
    expect(onTime.value).toBe(0.7582);
    expect(onTime.numFmt).toBe('0.00%');
    expect(street.getCell(3, column('应结案')).value).toBe(972);
    expect(street.getCell(3, column('综合得分')).value).toBe(84.77);
    // A name is text, never a formula.
    expect(street.getCell('B3').value).toBe('=HYPERLINK("x")');
    expect(street.getCell('B3').type).toBe(ExcelJS.ValueType.String);

    const grids = workbook.getWorksheet('网格') as ExcelJS.Worksheet;
    expect(grids.getCell('A3').value).toBe('320803001001001');
    expect(grids.getCell('B4').value).toBe('二网格');
    // Nothing due: the rate is empty, not 0 %.
    expect(grids.getCell(4, column('结案率')).value).toBeNull();
  });

  it('names sheets and headers in English when asked', async () => {
    const buffer = await reportXlsx([row('grid', '320803001001001', '一网格', counts(10, 9, 8))], {
      from: new Date('2026-10-01T00:00:00+08:00'),
      to: new Date('2026-11-01T00:00:00+08:00'),
      language: 'en',
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Grid']);
    const header = ((workbook.getWorksheet('Grid') as ExcelJS.Worksheet).getRow(2).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['Code', 'Name', 'Due']);
    expect(header).toContain('Closing rate');
  });
});
