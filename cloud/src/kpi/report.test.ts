import { describe, expect, it } from 'vitest';
import { computeKpis, KpiPolicy } from './compute.js';
import type { IncidentFacts } from './definitions.js';
import { reportCsv } from './report.js';

const closed: IncidentFacts = {
  shouldDispatch: true,
  dispatched: true,
  shouldHandle: true,
  handled: true,
  closed: true,
  closedOnTime: true,
  dueForClosing: true,
  suspendedWhenDue: false,
  reworks: 0,
  extensions: 0,
  callbackDone: false,
  solved: false,
};

describe('the monthly assessment report as CSV', () => {
  // The practice weights: (10 + 10 + 5 + 15 + 10 + 10 + 5) / 90 points with something due = 72.22.
  const report = computeKpis([closed, { ...closed, closedOnTime: false }], KpiPolicy.parse({}));

  it('starts with a byte-order mark and a header in the reader’s language, one line per unit, percentages with two decimals', () => {
    const rows = [{ level: 'grid' as const, code: '320803001001001', name: '河畔一网格', report }];
    const csv = reportCsv(rows);
    expect(csv.startsWith('\uFEFF层级,编码,名称,交办率（%）,')).toBe(true);
    const [, line] = csv.slice(1).split('\r\n');
    expect(line).toBe('网格,320803001001001,河畔一网格,100.00,100.00,50.00,100.00,50.00,0.00,0.00,0.00,,0.00,,,72.22');
    const english = reportCsv(rows, 'en');
    expect(english.startsWith('\uFEFFLevel,Code,Name,Dispatch rate (%),')).toBe(true);
    expect(english.split('\r\n')[1]?.startsWith('Grid,320803001001001,')).toBe(true);
  });

  it('quotes what needs quoting and never lets a name run as a formula', () => {
    const csv = reportCsv([{ level: 'worker', code: 'w-1', name: '=HYPERLINK("x"),张三', report }]);
    expect(csv).toContain(`网格员,w-1,"'=HYPERLINK(""x""),张三",`);
  });
});
