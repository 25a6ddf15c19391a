/** Stable codes of the engine's refusals (the HTTP layer maps them to problem details). */
export const INCIDENT_ERROR_CODES = [
  'GL_INCIDENT_NOT_FOUND',
  'GL_INCIDENT_ACTION_NOT_ALLOWED',
  'GL_INCIDENT_ROLE_NOT_ALLOWED',
  'GL_INCIDENT_VERSION_CONFLICT',
  'GL_INCIDENT_REQUEST_REUSED',
  'GL_INCIDENT_ATTACHMENTS_REQUIRED',
  'GL_INCIDENT_TOP_LEVEL',
  'GL_INCIDENT_MERGE_TARGET',
  'GL_INCIDENT_INVALID_INPUT',
  'GL_INCIDENT_SEPARATION_OF_DUTIES',
  'GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE',
] as const;
export type IncidentErrorCode = (typeof INCIDENT_ERROR_CODES)[number];

/** A refusal: nothing was written. `details` carries what the message names, for callers. */
export class IncidentError extends Error {
  override readonly name = 'IncidentError';
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
