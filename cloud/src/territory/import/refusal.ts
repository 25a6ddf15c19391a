import { DomainError } from '../../http/domain-error.js';
import type { ProblemCode } from '../../http/problems.js';
import type { Message } from '../../i18n/message.js';
import { render } from '../../i18n/render.js';

/** Why an import is not previewed or applied (nothing was written): answered over HTTP as `problem`. */
export class TerritoryImportRefusal extends DomainError {
  readonly code = 'GL_TERRITORY_IMPORT_REFUSED';

  constructor(problem: ProblemCode, said: Message) {
    super(render(said, 'en'), problem, said);
  }
}
