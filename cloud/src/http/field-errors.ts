import type { z } from 'zod';
import { CATALOGUE } from '../i18n/catalogue.js';
import { type Message, message, storedMessage } from '../i18n/message.js';
import { ProblemError, type ProblemFieldError } from './problems.js';

type Issue = z.core.$ZodIssue;

/**
 * The rules the schemas state in their own words (refinements, patterns) are in the catalogue as
 * `check.*`, their English exactly the schema's text: the text finds its message, so the schemas
 * stay readable where they are also used outside the HTTP API (configuration files, the CLI).
 */
const CHECKS = new Map(
  Object.entries(CATALOGUE)
    .filter(([code]) => code.startsWith('check.'))
    .map(([code, template]) => [template.en, code] as const),
);

/** A rule's text as a message: its catalogue entry, or the text as written when it has none yet. */
export function checkMessage(text: string): Message {
  const code = CHECKS.get(text);
  return code === undefined ? message('text.as_written', { text }) : message(code);
}

/** What arrived, said as the protocol says it (`string "high"`, `number 5`, `nothing`). */
export function receivedMessage(value: unknown): Message {
  if (value === undefined) return message('value.nothing');
  if (value === null) return message('value.null');
  if (Array.isArray(value)) return message('value.array', { count: value.length });
  switch (typeof value) {
    case 'string':
      return message('value.string', { value: JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) });
    case 'number':
    case 'bigint':
      return message('value.number', { type: typeof value, value: String(value) });
    case 'boolean':
      return message('value.boolean', { value: String(value) });
    case 'object':
      return message('value.object');
    default:
      return message('value.other', { type: typeof value });
  }
}

/** A number's bound, inclusive or not: `number <= 100`. */
const BOUND = {
  too_big: { inclusive: 'expect.le', exclusive: 'expect.lt' },
  too_small: { inclusive: 'expect.ge', exclusive: 'expect.gt' },
} as const;

/** What the field expects, for each kind of zod issue (mirroring the protocol's English wording). */
function expectedMessage(issue: Issue): Message {
  switch (issue.code) {
    case 'invalid_type':
      return message('expect.type', { type: issue.expected });
    case 'too_big':
    case 'too_small': {
      const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      if (issue.origin === 'string' || issue.origin === 'array')
        return message(`expect.${issue.code === 'too_big' ? 'at_most' : 'at_least'}_${issue.origin}`, {
          limit: String(limit),
        });
      return message(BOUND[issue.code][issue.inclusive ? 'inclusive' : 'exclusive'], {
        type: issue.origin,
        limit: String(limit),
      });
    }
    case 'invalid_value':
      return message('expect.one_of', { values: issue.values.map((value) => JSON.stringify(value)) });
    case 'invalid_format':
      if (issue.format === 'datetime') return message('expect.datetime');
      if (issue.format === 'regex') return checkMessage(issue.message);
      return message('expect.format', { format: issue.format });
    case 'not_multiple_of':
      return message('expect.multiple_of', { divisor: String(issue.divisor) });
    default:
      return checkMessage(issue.message);
  }
}

/** One issue as a message: the rule it states, or what was expected and what arrived. */
function issueMessage(issue: Issue): Message {
  // A refinement states its rule whole: as a message of its own (`params.said`), or in the schema's words.
  if (issue.code === 'custom') return storedMessage(issue.params?.said) ?? checkMessage(issue.message);
  // A pattern's text says what it expects: whole ("expected a 15-digit grid code"), or as the
  // expectation of expected …, received … (the protocol's "a gateway id is …").
  if (
    issue.code === 'invalid_format' &&
    issue.format === 'regex' &&
    (issue.message.startsWith('expected ') || !('input' in issue))
  )
    return checkMessage(issue.message);
  const expected = expectedMessage(issue);
  // Without the input (parsed without `reportInput`) only the expectation can be said.
  if (!('input' in issue)) return message('field.expected', { expected });
  return message('field.expected_received', { expected, received: receivedMessage(issue.input) });
}

/** Flattens unknown keys (one issue each, named by the key) and unions (their first branch). */
function flatten(
  issues: readonly Issue[],
  base: readonly PropertyKey[] = [],
): Array<{ path: PropertyKey[]; said: Message }> {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: [...path, key], said: message('field.unexpected') }));
    // The first branch's issues are the most useful; listing every branch buries the point.
    if (issue.code === 'invalid_union' && issue.errors[0] !== undefined && issue.errors[0].length > 0)
      return flatten(issue.errors[0], path);
    return [{ path, said: issueMessage(issue) }];
  });
}

/** `['acks', 0, 'result']` → `/acks/0/result` (a JSON Pointer; the whole document is ``). */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Zod issues of a JSON body as problem `errors[]`, each at its JSON Pointer under `prefix`. */
export function bodyFieldErrors(issues: readonly Issue[], prefix = ''): ProblemFieldError[] {
  return flatten(issues).map(({ path, said }) => ({ pointer: `${prefix}${jsonPointer(path)}`, detail: said }));
}

/** Zod issues of query (or path) parameters as problem `errors[]`, each naming its parameter. */
export function parameterFieldErrors(issues: readonly Issue[]): ProblemFieldError[] {
  return flatten(issues).map(({ path, said }) => ({
    parameter: String(path[0] ?? ''),
    detail: said.code === 'field.unexpected' ? message('field.unknown_parameter', { name: String(path[0]) }) : said,
  }));
}

/** The body parsed by `schema`, or a 400 problem naming each field (JSON Pointer under `prefix`) and what it expects. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ProblemError(
    'GL_VALIDATION_FAILED',
    message('request.body_invalid'),
    bodyFieldErrors(parsed.error.issues, prefix),
  );
}

/** The query parsed by `schema`, or a 400 problem naming each parameter and what it expects. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ProblemError(
    'GL_VALIDATION_FAILED',
    message('request.query_invalid'),
    parameterFieldErrors(parsed.error.issues),
  );
}
