import type { z } from 'zod';
import { describeReceived } from './describe.js';

/** One problem with one field: where, what was expected, what arrived. */
export interface FieldIssue {
  /** Dotted path of the field (`location.floor`, `items.2.id`), or `(payload)` for the whole. */
  path: string;
  expected: string;
  received: string;
  /** A rule across fields (a refinement) states its problem whole instead of expected/received. */
  message?: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(payload)' : path.map(String).join('.');
}

const bound = (inclusive: boolean | undefined, sign: '<' | '>') => (inclusive ? `${sign}=` : sign);

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'integer' : issue.expected;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}`
        : `${issue.origin} ${bound(issue.inclusive, '<')} ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`
        : `${issue.origin} ${bound(issue.inclusive, '>')} ${issue.minimum}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'datetime'
        ? 'an ISO-8601 UTC timestamp like 2026-11-25T14:52:18.646Z'
        : issue.format === 'regex'
          ? issue.message
          : `a ${issue.format} string`;
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return 'no such field';
    default:
      return issue.message;
  }
}

/**
 * Flattens zod issues into field issues. Unknown keys become one issue per key, named by the key
 * itself, because "unexpected field `temprature`" is what an installer needs to see.
 */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), expected: 'no such field', received: 'a value' });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The first branch's issues are the most useful; listing every branch buries the point.
      out.push(...toFieldIssues({ issues: issue.errors[0] } as z.ZodError));
      continue;
    }
    if (issue.code === 'custom') {
      out.push({ path: formatPath(issue.path), expected: '', received: '', message: issue.message });
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    out.push({
      path: formatPath(issue.path),
      expected: expectedOf(issue),
      received: describeReceived(input),
    });
  }
  return out;
}

export function formatIssue(issue: FieldIssue): string {
  if (issue.message !== undefined) return `${issue.path}: ${issue.message}`;
  if (issue.expected === 'no such field') return `${issue.path}: unexpected field`;
  return `${issue.path}: expected ${issue.expected}, received ${issue.received}`;
}
