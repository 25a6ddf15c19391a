import type { z } from 'zod';
import { describeReceived } from './describe.js';
import { type Parsed, ProtocolValidationError } from './error.js';
import { toFieldIssues } from './issues.js';

/** Validates `value` against `schema`, describing failures in the context (topic, route) given. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, context: string): Parsed<z.output<S>> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: new ProtocolValidationError(context, toFieldIssues(result.error)) };
}

/** Decodes a JSON object from raw bytes or text; anything else is an error naming what arrived. */
export function parseJsonObject(raw: Uint8Array | string, context: string): Parsed<Record<string, unknown>> {
  // Decoded where the bytes are, not from a copy: every device message passes through here. The
  // broker's payloads are Buffers already, decoded without another view on them.
  const text =
    typeof raw === 'string'
      ? raw
      : Buffer.isBuffer(raw)
        ? raw.toString('utf8')
        : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return invalid(context, 'a JSON object', `invalid JSON ${JSON.stringify(shown)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(context, 'a JSON object', describeReceived(value));
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export function invalid(context: string, expected: string, received: string, path = '(payload)') {
  return {
    ok: false as const,
    error: new ProtocolValidationError(context, [{ path, expected, received }]),
  };
}
