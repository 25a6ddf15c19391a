import { describe, expect, it } from 'vitest';
import { computeKpis, DEFAULT_KPI_WEIGHTS, KpiPolicy, KpiSettingsInput } from './compute.js';
import type { IncidentFacts } from './definitions.js';

const none: IncidentFacts = {
  shouldDispatch: false,
  dispatched: false,
  shouldHandle: false,
  handled: false,
  closed: false,
  closedOnTime: false,
  dueForClosing: false,
  suspendedWhenDue: false,
  reworks: 0,
  extensions: 0,
  callbackDone: false,
  solved: false,
};
const many = (n: number, facts: Partial<IncidentFacts>) => Array.from({ length: n }, () => ({ ...none, ...facts }));
const policy = (input: Partial<KpiPolicy> = {}) => KpiPolicy.parse(input);

describe('KPIs from incident facts (domain §5)', () => {
  it('reproduces the published city month: 972 due, 911 closed, 737 on time → 结案率 93.72 %, 按期结案率 75.82 %', () => {
    const month = [
      ...many(737, { dueForClosing: true, closed: true, closedOnTime: true }),
      ...many(911 - 737, { dueForClosing: true, closed: true }),
      ...many(972 - 911, { dueForClosing: true }),
    ];
    const { rates } = computeKpis(month, policy());
    expect(rates.closing_rate).toMatchObject({ numerator: 911, denominator: 972, percent: 93.72 });
    expect(rates.on_time_closing_rate).toMatchObject({ numerator: 737, denominator: 972, percent: 75.82 });
  });

  it('uses each formula’s own denominator', () => {
    const facts = [
      ...many(8, { shouldDispatch: true, dispatched: true, shouldHandle: true, handled: true, closed: true }),
      ...many(2, { shouldDispatch: true }),
      { ...none, shouldDispatch: true, dispatched: true, shouldHandle: true, handled: true, reworks: 2, extensions: 1 },
    ];
    const { rates } = computeKpis(facts, policy());
    expect(rates.dispatch_rate.percent).toBe(81.82); // 9 / 11
    expect(rates.completion_rate.percent).toBe(88.89); // 8 closed / 9 dispatched
    expect(rates.rework_rate.percent).toBe(22.22); // 2 reworks / 9 handled
    expect(rates.extension_rate.percent).toBe(11.11); // 1 / 9 to be handled
  });

  it('counts satisfied and basically satisfied over callbacks done, and solved over closed', () => {
    const facts = [
      ...many(6, { closed: true, callbackDone: true, satisfaction: 'satisfied', solved: true }),
      ...many(2, { closed: true, callbackDone: true, satisfaction: 'basically_satisfied', solved: true }),
      ...many(2, { closed: true, callbackDone: true, satisfaction: 'unsatisfied' }),
      ...many(10, { closed: true }),
    ];
    const { rates } = computeKpis(facts, policy());
    expect(rates.callback_rate.percent).toBe(50);
    expect(rates.satisfaction_rate.percent).toBe(80);
    expect(rates.resolution_rate.percent).toBe(40);
  });

  it('leaves suspended incidents out of the due count when the tenant says so', () => {
    const facts = [
      ...many(9, { dueForClosing: true, closed: true }),
      { ...none, dueForClosing: true, suspendedWhenDue: true },
    ];
    expect(computeKpis(facts, policy()).rates.closing_rate.percent).toBe(90);
    expect(computeKpis(facts, policy({ exclude_suspended_from_due: true })).rates.closing_rate.percent).toBe(100);
  });

  it('reports nothing due as no value, not as 0 %', () => {
    expect(computeKpis([], policy()).rates.closing_rate).toEqual({
      numerator: 0,
      denominator: 0,
      value: null,
      percent: null,
    });
  });

  it('scores a weighted composite, counting lower-is-better rates as their complement', () => {
    const facts = [
      ...many(3, { dueForClosing: true, closed: true, handled: true }),
      { ...none, dueForClosing: true, handled: true, reworks: 3 },
    ];
    // Rates that differ, so the weights and the complement both show in the score:
    // closing 75 % (weight 3), rework 75 % → 25 % (weight 1): (3·0.75 + 1·0.25) / 4 = 62.5 %.
    // Equal weights would give 50 %, rework uncomplemented 75 %.
    const report = computeKpis(facts, policy({ weights: { closing_rate: 3, rework_rate: 1 } }));
    expect(report.rates.closing_rate.percent).toBe(75);
    expect(report.rates.rework_rate.percent).toBe(75);
    expect(report.composite).toBe(62.5);
    // Stored empty weights (a tenant's before 0047) score nothing.
    expect(computeKpis(facts, policy({ weights: {} })).composite).toBeNull();
    // The practice weights, over the rates with a denominator: closing 15 × 0.75, on-time closing
    // 20 × 0, rework 10 × 0.25, callback 5 × 0, resolution 5 × 0 → 13.75 / 55 = 25 %.
    expect(computeKpis(facts, policy()).composite).toBe(25);
  });

  it('checks the weights an administrator sets: 0–100 points each, two decimals, summing to 100', () => {
    expect(Object.values(DEFAULT_KPI_WEIGHTS).reduce((sum, weight) => sum + weight, 0)).toBe(100);
    expect(KpiSettingsInput.parse({}).weights).toEqual(DEFAULT_KPI_WEIGHTS);
    expect(KpiSettingsInput.parse({ weights: { closing_rate: 33.33, on_time_closing_rate: 66.67 } }).weights).toEqual({
      closing_rate: 33.33,
      on_time_closing_rate: 66.67,
    });
    const problems = (weights: unknown) =>
      KpiSettingsInput.safeParse({ weights }).error?.issues.map((issue) => [issue.path.join('/'), issue.message]);
    expect(problems({ closing_rate: 60, rework_rate: 30 })).toEqual([['weights', 'the weights must sum to 100']]);
    expect(problems({})).toEqual([['weights', 'the weights must sum to 100']]);
    expect(problems({ closing_rate: 120, rework_rate: -20 })?.map(([path]) => path)).toEqual([
      'weights/closing_rate',
      'weights/rework_rate',
    ]);
    expect(problems({ closing_rate: 99.999, rework_rate: 0.001 })).toContainEqual([
      'weights/closing_rate',
      'a weight has at most two decimals',
    ]);
    expect(problems({ closing_rate: 50, no_such_rate: 50 })?.[0]?.[0]).toMatch(/^weights/);
  });
});
