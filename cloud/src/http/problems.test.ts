import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../i18n/catalogue.js';
import { message } from '../i18n/message.js';
import { PROBLEMS, ProblemError } from './problems.js';

describe('problem titles', () => {
  it('has every problem code’s title in the catalogue, in zh-CN and English (a missing one renders as its code)', () => {
    const missing = Object.keys(PROBLEMS).filter((code) => !CATALOGUE[`problem.${code}`]);
    expect(missing).toEqual([]);
    for (const [code, { title }] of Object.entries(PROBLEMS))
      expect(CATALOGUE[`problem.${code}`]?.en, code).toBe(title);
  });

  it('gives the refusals of the incident loop a Chinese title', () => {
    const problem = (code: 'GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE' | 'GL_INCIDENT_SEPARATION_OF_DUTIES') =>
      new ProblemError(code, message('request.body_invalid')).toProblem(undefined, 'zh-CN').title;
    expect(problem('GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE')).toBe('承办对象不符合条件');
    expect(problem('GL_INCIDENT_SEPARATION_OF_DUTIES')).toBe('处置人不能核查自己的工作');
  });
});

describe('problem details', () => {
  it('take a message of the catalogue, never text', () => {
    // @ts-expect-error a problem's detail is a message (rendered in the reader's language), not text
    expect(new ProblemError('GL_NOT_FOUND', 'no such thing').code).toBe('GL_NOT_FOUND');
    expect(new ProblemError('GL_NOT_FOUND', message('user.unknown', { id: 'u-1' })).detail).toBe('no user u-1');
  });
});
