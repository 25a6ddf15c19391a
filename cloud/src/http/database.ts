import { message } from '../i18n/message.js';
import { DomainError } from './domain-error.js';
import { ProblemError } from './problems.js';

/**
 * Runs database work for a request; any failure becomes a 503 problem with Retry-After, because
 * the caller (a gateway's outbox, usually) should retry the same request later, which idempotency
 * makes safe. The cause is kept for the log. A domain module's refusal is an answer, not a failure:
 * it goes on to the error handler as it is.
 */
export async function fromDatabase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    const problem = new ProblemError('GL_DATABASE_UNAVAILABLE', message('database.unavailable'), undefined, {
      'retry-after': '5',
    });
    problem.cause = err;
    throw problem;
  }
}
