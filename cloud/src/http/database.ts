import { message } from '../i18n/message.js';
import { ProblemError } from './problems.js';

/**
 * Runs database work for a request; any failure becomes a 503 problem with Retry-After, because
 * the caller (a gateway's outbox, usually) should retry the same request later, which idempotency
 * makes safe. The cause is kept for the log.
 */
export async function fromDatabase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const problem = new ProblemError('GL_DATABASE_UNAVAILABLE', message('database.unavailable'), undefined, {
      'retry-after': '5',
    });
    problem.cause = err;
    throw problem;
  }
}
