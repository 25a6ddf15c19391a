import { DomainError } from '../http/domain-error.js';
import type { Message } from '../i18n/message.js';
import { render } from '../i18n/render.js';

/** Stable codes of the people module's refusals; each is also a problem code of the HTTP API. */
export type PeopleErrorCode =
  | 'GL_USER_EXISTS'
  | 'GL_USER_NOT_FOUND'
  | 'GL_DISPOSAL_UNIT_EXISTS'
  | 'GL_DISPOSAL_UNIT_NOT_FOUND'
  | 'GL_ROSTER_CONFLICT'
  | 'GL_NOT_FOUND';

/** A refusal: nothing was written. Its code is the problem it answers as. */
export class PeopleError extends DomainError {
  override readonly name = 'PeopleError';

  constructor(
    readonly code: PeopleErrorCode,
    /** The refusal as a message of the catalogue; the error's own message is its English. */
    said: Message,
  ) {
    super(render(said, 'en'), code, said);
  }
}

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | undefined;
  if (e?.code !== UNIQUE_VIOLATION) return false;
  return constraint === undefined || e.constraint === constraint || (e.message ?? '').includes(constraint);
}
