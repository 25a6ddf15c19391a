import type { z } from 'zod';

/**
 * Territory data that cannot be accepted: a malformed code, a polygon that is not one, a version
 * that would overlap another. `field` names the input at fault (`units.2.code`, `valid_from`), and
 * the message starts with it.
 */
export class TerritoryError extends Error {
  override readonly name = 'TerritoryError';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Validates `value` against `schema`; the first problem becomes a {@link TerritoryError} under `field`. */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [field, ...(issue?.path ?? []).map(String)].filter((part) => part !== '').join('.');
  throw new TerritoryError(path, issue?.message ?? 'invalid');
}
