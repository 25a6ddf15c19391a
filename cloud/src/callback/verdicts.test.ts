import { describe, expect, it } from 'vitest';
import { IncidentError } from '../incidents/errors.js';
import { callbackActionFor, verdictOfStep } from './verdicts.js';

/** The verdict → action mapping (docs/domain.md §3), and what a callback step's data says. */
describe('a callback verdict', () => {
  it.each([
    ['satisfied', true, 'callbackSatisfied'],
    ['basically_satisfied', true, 'callbackSatisfied'],
    ['unsatisfied', true, 'callbackUnsatisfied'],
    ['satisfied', false, 'callbackUnsatisfied'],
    ['basically_satisfied', false, 'callbackUnsatisfied'],
    ['unsatisfied', false, 'callbackUnsatisfied'],
  ] as const)('%s, solved %s, is %s', (satisfaction, solved, action) => {
    expect(callbackActionFor({ satisfaction, solved })).toBe(action);
  });

  it('reads a step with only the action as the action says: satisfied and solved, or neither', () => {
    expect(verdictOfStep({ action: 'callbackSatisfied', data: {}, comment: null })).toEqual({
      satisfaction: 'satisfied',
      solved: true,
      note: null,
      channel: 'agent',
    });
    expect(verdictOfStep({ action: 'callbackUnsatisfied', data: {}, comment: '没人接' })).toEqual({
      satisfaction: 'unsatisfied',
      solved: false,
      note: '没人接',
      channel: 'agent',
    });
  });

  it('refuses data that contradicts the action or is malformed, naming the field', () => {
    const refusal = (action: string, data: Record<string, unknown>) => {
      try {
        verdictOfStep({ action, data, comment: null });
      } catch (err) {
        expect(err).toBeInstanceOf(IncidentError);
        return (err as IncidentError).message;
      }
      return 'accepted';
    };
    expect(refusal('callbackSatisfied', { satisfaction: 'unsatisfied' })).toMatch(/^\/data\/satisfaction: /);
    expect(refusal('callbackSatisfied', { satisfaction: 'satisfied', solved: false })).toMatch(/^\/data\/solved: /);
    expect(refusal('callbackSatisfied', { solved: 'yes' })).toMatch(/^\/data\/solved: /);
    expect(refusal('callbackSatisfied', { channel: 'fax' })).toMatch(/^\/data\/channel: /);
    expect(refusal('callbackUnsatisfied', { satisfaction: 'basically_satisfied', solved: false })).toBe('accepted');
  });
});
