import type { AlertPayload } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { alertFilter, passes } from './alert-filter.js';

const alert = (severity: AlertPayload['severity'], category: string) => ({ severity, category }) as AlertPayload;

describe('alert filters', () => {
  it('take an alert of at least the severity, in the category or below it, for the changes ticked', () => {
    const made = alertFilter({ minSeverity: 'major', category: 'safety', cleared: false });
    if (!made.ok) throw new Error(made.reason);
    const { filter } = made;
    expect(passes(filter, 'raised', alert('major', 'safety.access.door_forced'))).toBe(true);
    expect(passes(filter, 'raised', alert('minor', 'safety.access.door_forced'))).toBe(false);
    expect(passes(filter, 'raised', alert('critical', 'safety'))).toBe(true);
    expect(passes(filter, 'raised', alert('critical', 'safety_net'))).toBe(false);
    expect(passes(filter, 'cleared', alert('critical', 'safety'))).toBe(false);
    // A clear of an alert never seen cannot be judged by severity or category.
    const all = alertFilter({});
    expect(all.ok && passes(all.filter, 'cleared', undefined)).toBe(true);
    expect(passes(filter, 'updated', undefined)).toBe(false);
  });

  it('name a severity or category that is not one', () => {
    expect(alertFilter({ minSeverity: 'huge' })).toEqual({
      ok: false,
      reason: 'severity "huge" is unknown: one of info, warning, minor, major, critical',
    });
    expect(alertFilter({ category: 'Safety' })).toEqual({
      ok: false,
      reason: 'category "Safety" is not a category code, e.g. safety.access',
    });
  });
});
