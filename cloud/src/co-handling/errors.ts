import { DomainError } from '../http/domain-error.js';
import type { ProblemCode, ProblemFieldError } from '../http/problems.js';
import type { Message } from '../i18n/message.js';
import { render } from '../i18n/render.js';

/** Co-handling's refusal (nothing was written): answered over HTTP as `problem`. */
export class CoHandlingRefusal extends DomainError {
  readonly code = 'GL_CO_HANDLING_REFUSED';

  constructor(problem: ProblemCode, said: Message, errors?: ProblemFieldError[]) {
    super(render(said, 'en'), problem, said, errors);
  }
}
