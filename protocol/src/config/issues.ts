import type { z } from 'zod';
import { closest, discriminatorAt, fieldsOf, isIntegerAt, type Schema, schemasAt } from './schema-walk.js';

/**
 * zod issues as one line each, `path: message`, naming what was expected and what arrived:
 * `mqtt.port: expected integer <= 65535, received number 70000`. Values of secret fields are never
 * shown (`received a value`), unknown fields get a "did you mean" when one is close.
 */
export interface FormatIssuesOptions {
  /** The schema that was parsed: used to say "integer" and to suggest field names. */
  schema: Schema;
  /** True for paths whose values must never be printed (passwords, tokens). */
  isSecret?: (path: readonly PropertyKey[]) => boolean;
  /** Extra words for an issue at `path`, e.g. ` (from GRIDLINK_MQTT__PORT)`. */
  note?: (path: string) => string;
}

const SECRET_NAME = /(^|_)(password|passphrase|token|secret|api_key|private_key)$/i;

/** Secret fields are recognised by name: `password`, `token`, `secret`, `*_password`… */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_NAME.test(segment));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** Short description of a value that arrived: `string "high"`, `number 70000`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      // Credentials inside URLs (`http://user:pw@host`) are secrets too.
      const shown = value.replace(/\/\/[^/@\s]*@/g, '//…@');
      return `string ${JSON.stringify(shown.length > 60 ? `${shown.slice(0, 60)}…` : shown)}`;
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return value instanceof Date ? `date ${value.toISOString()}` : 'an object';
    default:
      return typeof value;
  }
}

const plural = (n: number | bigint, word: string) => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;
const listValues = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

export function formatIssues(issues: readonly z.core.$ZodIssue[], options: FormatIssuesOptions): string[] {
  const out: string[] = [];
  for (const issue of issues) out.push(...formatIssue(issue, options));
  return out;
}

function formatIssue(issue: z.core.$ZodIssue, options: FormatIssuesOptions): string[] {
  const { schema } = options;
  const secret = options.isSecret ?? isSecretPath;
  const input = (issue as { input?: unknown }).input;
  const path = formatPath(issue.path);
  const note = options.note?.(path) ?? '';
  const received = (at: readonly PropertyKey[], value: unknown) =>
    secret(at) && value !== undefined ? 'a value' : describeValue(value);
  const line = (text: string) => [`${path}: ${text}${note}`];

  switch (issue.code) {
    case 'invalid_type': {
      const expected =
        issue.expected === 'int' || (issue.expected === 'number' && isIntegerAt(schema, issue.path))
          ? 'integer'
          : issue.expected;
      if (input === undefined) return line(`missing (expected ${expected})`);
      return line(`expected ${expected}, received ${received(issue.path, input)}`);
    }
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = big ? issue.maximum : issue.minimum;
      let expected: string;
      if (issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set') {
        const unit = issue.origin === 'string' ? 'character' : 'item';
        expected = `${big ? 'at most' : 'at least'} ${plural(limit, unit)}`;
      } else {
        const what = issue.origin === 'number' && isIntegerAt(schema, issue.path) ? 'integer' : issue.origin;
        expected = `${what} ${big ? '<' : '>'}${issue.inclusive ? '=' : ''} ${String(limit)}`;
      }
      return line(`expected ${expected}, received ${received(issue.path, input)}`);
    }
    case 'invalid_value': {
      const text = `expected ${issue.values.length === 1 ? '' : 'one of '}${listValues(issue.values)}, received ${received(issue.path, input)}`;
      const hint =
        typeof input === 'string' && !secret(issue.path)
          ? closest(
              input,
              issue.values.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      return line(hint ? `${text} (did you mean ${JSON.stringify(hint)}?)` : text);
    }
    case 'invalid_format': {
      const got = received(issue.path, input);
      if (issue.format === 'regex' && !issue.message.startsWith('Invalid'))
        return line(`${issue.message} (received ${got})`);
      if (issue.format === 'url') {
        // A schema's own wording (`expected a URL like postgres://…`) beats the generic one.
        const expected = issue.message.startsWith('Invalid') ? 'expected a URL like http://host:port' : issue.message;
        return line(`${expected}, received ${got}`);
      }
      if (issue.format === 'starts_with' && 'prefix' in issue) {
        return line(`expected a string starting with ${JSON.stringify(issue.prefix)}, received ${got}`);
      }
      if (issue.format === 'ends_with' && 'suffix' in issue) {
        return line(`expected a string ending with ${JSON.stringify(issue.suffix)}, received ${got}`);
      }
      return line(
        `expected ${issue.format === 'regex' ? `a string matching ${String(issue.pattern)}` : `a ${issue.format}`}, received ${got}`,
      );
    }
    case 'not_multiple_of':
      return line(`expected a multiple of ${String(issue.divisor)}, received ${received(issue.path, input)}`);
    case 'unrecognized_keys':
      return issue.keys.map(
        (key) => `${formatPath([...issue.path, key])}: ${unknownField(issue.path, key, input, schema)}`,
      );
    case 'invalid_union': {
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const value =
          typeof input === 'object' && input !== null
            ? (input as Record<string, unknown>)[issue.discriminator]
            : undefined;
        const options_ = (issue as { options?: readonly unknown[] }).options ?? [];
        return line(`expected one of ${listValues(options_)}, received ${received(issue.path, value)}`);
      }
      // The first branch's issues are the useful ones; listing every branch buries the point.
      const first = issue.errors[0];
      if (first && first.length > 0) return formatIssues(first, options);
      return line(issue.message);
    }
    default:
      return line(issue.message);
  }
}

function unknownField(parent: readonly PropertyKey[], key: string, input: unknown, schema: Schema): string {
  const discriminator = discriminatorAt(schema, parent);
  const fields = fieldsOf(schemasAt(schema, parent));
  if (discriminator && fields?.has(key) && typeof input === 'object' && input !== null) {
    const value = (input as Record<string, unknown>)[discriminator];
    return `not a field when ${discriminator} is ${JSON.stringify(value)}`;
  }
  const hint = fields ? closest(key, fields.keys()) : undefined;
  return hint ? `unknown field (did you mean ${hint}?)` : 'unknown field';
}
