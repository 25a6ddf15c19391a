import { DomainError } from '../http/domain-error.js';
import type { ProblemCode, ProblemFieldError } from '../http/problems.js';
import { type Message, message, storedMessage } from '../i18n/message.js';

/** Stable codes of the engine's refusals, and the problem each answers as over HTTP. */
const PROBLEM_OF = {
  GL_INCIDENT_NOT_FOUND: 'GL_INCIDENT_NOT_FOUND',
  GL_INCIDENT_ACTION_NOT_ALLOWED: 'GL_INCIDENT_ACTION_NOT_ALLOWED',
  GL_INCIDENT_ROLE_NOT_ALLOWED: 'GL_FORBIDDEN',
  GL_INCIDENT_VERSION_CONFLICT: 'GL_INCIDENT_VERSION_CONFLICT',
  GL_INCIDENT_REQUEST_REUSED: 'GL_INCIDENT_VERSION_CONFLICT',
  GL_INCIDENT_ATTACHMENTS_REQUIRED: 'GL_VALIDATION_FAILED',
  GL_INCIDENT_TOP_LEVEL: 'GL_INCIDENT_ACTION_NOT_ALLOWED',
  GL_INCIDENT_MERGE_TARGET: 'GL_VALIDATION_FAILED',
  GL_INCIDENT_INVALID_INPUT: 'GL_VALIDATION_FAILED',
  GL_INCIDENT_SEPARATION_OF_DUTIES: 'GL_INCIDENT_SEPARATION_OF_DUTIES',
  GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE: 'GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE',
} as const satisfies Record<string, ProblemCode>;

export const INCIDENT_ERROR_CODES = Object.keys(PROBLEM_OF) as IncidentErrorCode[];
export type IncidentErrorCode = keyof typeof PROBLEM_OF;

/**
 * A refusal as a message of the catalogue: its code names the template, its details fill it; an
 * invalid input names what was missing (`details.need`) when it knows.
 */
export function engineMessage(code: IncidentErrorCode, details: Record<string, unknown>): Message {
  const need = details.need;
  if (typeof need === 'string') return message(`engine.need.${need}`, details);
  if (details.reason === 'routine_only') return message('engine.routine_only', details);
  return message(`engine.${code}`, details);
}

/** A refusal that names a field says so the way validation does (errors[] with a JSON Pointer). */
function fieldErrors(said: Message, details: Record<string, unknown>): ProblemFieldError[] | undefined {
  const { pointer, detail } = details;
  if (typeof pointer !== 'string') return undefined;
  // The field's own detail when the refusal gives one as a message, else the refusal itself.
  return [{ pointer, detail: storedMessage(detail) ?? said }];
}

/** A refusal: nothing was written. `details` carries what the message names, for callers. */
export class IncidentError extends DomainError {
  override readonly name = 'IncidentError';
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    const said = engineMessage(code, details);
    super(message, PROBLEM_OF[code], said, fieldErrors(said, details));
  }
}
