import type { Message } from '../i18n/message.js';
import type { ProblemCode, ProblemFieldError } from './problems.js';

/**
 * A refusal of a domain module (nothing was written), which the error handler answers as a
 * problem. A module's error class extends this and says once, next to its codes, which problem
 * each code is; routes let these through instead of catching and translating them one by one.
 */
export abstract class DomainError extends Error {
  /** The module's own stable code (`GL_INCIDENT_ROLE_NOT_ALLOWED`, say), for callers inside the cloud. */
  abstract readonly code: string;

  protected constructor(
    /** In English, for logs and callers inside the cloud. */
    message: string,
    /** The problem it answers as over HTTP (`GL_FORBIDDEN` for the code above). */
    readonly problem: ProblemCode,
    /** What the reader is told: a message of the catalogue, never text, so none goes out in one language only. */
    readonly said: Message,
    /** The fields it names, as problem `errors[]`. */
    readonly errors?: ProblemFieldError[],
  ) {
    super(message);
  }
}
