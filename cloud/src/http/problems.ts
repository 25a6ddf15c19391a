import { DEFAULT_LANGUAGE, type Language, type Message } from '../i18n/message.js';
import { render } from '../i18n/render.js';

/**
 * Every error the cloud's HTTP API answers with: RFC 9457 problem details whose `code` is one of
 * these, stable across releases (clients branch on `code`, never on `title` or `detail`). The
 * titles here are the English ones; each reader gets `title` and `detail` in their language
 * (`Accept-Language`, zh-CN by default) from the message catalogue (`problem.<code>`).
 */
export const PROBLEMS = {
  GL_NOT_FOUND: { status: 404, title: 'Not found' },
  GL_UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  GL_FORBIDDEN: { status: 403, title: 'Forbidden' },
  GL_VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  GL_BODY_NOT_JSON: { status: 400, title: 'Body is not JSON' },
  GL_BODY_TOO_LARGE: { status: 413, title: 'Body too large' },
  GL_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  GL_BATCH_NOT_ARRAY: { status: 400, title: 'Batch is not an array' },
  GL_BATCH_EMPTY: { status: 400, title: 'Batch is empty' },
  GL_BATCH_TOO_LARGE: { status: 400, title: 'Batch has too many events' },
  GL_GATEWAY_EXISTS: { status: 409, title: 'Gateway already registered' },
  GL_GATEWAY_NOT_FOUND: { status: 404, title: 'Gateway not found' },
  GL_LOGIN_FAILED: { status: 401, title: 'Login failed' },
  GL_LOGIN_THROTTLED: { status: 429, title: 'Too many failed logins' },
  GL_LOGIN_BUSY: { status: 503, title: 'Too many logins at once' },
  GL_USER_EXISTS: { status: 409, title: 'Username taken' },
  GL_USER_NOT_FOUND: { status: 404, title: 'User not found' },
  GL_DISPOSAL_UNIT_EXISTS: { status: 409, title: 'Disposal unit already exists' },
  GL_DISPOSAL_UNIT_NOT_FOUND: { status: 404, title: 'Disposal unit not found' },
  GL_ROSTER_CONFLICT: { status: 409, title: 'Roster conflict' },
  GL_INCIDENT_NOT_FOUND: { status: 404, title: 'Incident not found' },
  GL_INCIDENT_ACTION_NOT_ALLOWED: { status: 409, title: 'Action not allowed in this state' },
  GL_INCIDENT_VERSION_CONFLICT: { status: 409, title: 'Incident changed meanwhile' },
  GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE: { status: 400, title: 'Assignee not eligible' },
  GL_INCIDENT_SEPARATION_OF_DUTIES: { status: 403, title: 'Not by the one who handled the work' },
  GL_PATROL_CONFLICT: { status: 409, title: 'Patrol state conflict' },
  GL_MEDIATION_CONFLICT: { status: 409, title: 'Mediation case state conflict' },
  GL_HOTLINE_REPLAY_CONFLICT: { status: 409, title: 'Hotline replay differs' },
  GL_HOTLINE_ORDER_NOT_FOUND: { status: 404, title: 'Hotline order not found' },
  GL_HOTLINE_STATE_CONFLICT: { status: 409, title: 'Hotline order state conflict' },
  GL_HOTLINE_PLATFORM_EXISTS: { status: 409, title: 'Hotline platform exists' },
  GL_TERRITORY_IMPORT_REFUSED: { status: 409, title: 'Territory import refused' },
  GL_TERRITORY_IMPORT_STALE: { status: 409, title: 'Territory changed since the preview' },
  GL_RESIDENT_LIMITED: { status: 429, title: 'Too many reports' },
  GL_RESIDENT_DUPLICATE_PHOTO: { status: 409, title: 'Photo sent already' },
  GL_RESIDENT_CODE_REFUSED: { status: 400, title: 'SMS code not accepted' },
  GL_RESIDENT_SMS_UNAVAILABLE: { status: 503, title: 'SMS confirmation unavailable' },
  GL_RESIDENT_RATING_REFUSED: { status: 409, title: 'Rating not taken' },
  GL_RESIDENT_REPEATED: { status: 409, title: 'Report sent already' },
  GL_DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
  GL_TOO_MANY_STREAMS: { status: 429, title: 'Too many open streams' },
  GL_NOT_READY: { status: 503, title: 'Not ready' },
  GL_SHUTTING_DOWN: { status: 503, title: 'Shutting down' },
  GL_INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** One validation failure: `pointer` is a JSON Pointer into the body, `parameter` a query parameter. */
export interface ProblemFieldError {
  detail: Message;
  pointer?: string;
  parameter?: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  errors?: Array<Omit<ProblemFieldError, 'detail'> & { detail: string }>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Thrown by handlers; the error middleware answers with it. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';

  /** The detail in English, for logs. */
  readonly detail: string;

  constructor(
    readonly code: ProblemCode,
    /** A message of the catalogue, rendered in the reader's language: never text, so none goes out in one language only. */
    readonly said: Message,
    readonly errors?: ProblemFieldError[],
    /** Extra response headers (`WWW-Authenticate`, `Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    const detail = render(said, 'en');
    super(`${code}: ${detail}`);
    this.detail = detail;
  }

  /** The problem as `language` reads it (zh-CN unless asked otherwise); `code` is the same in every one. */
  toProblem(instance?: string, language: Language = DEFAULT_LANGUAGE): Problem {
    const { status } = PROBLEMS[this.code];
    return {
      type: `urn:gridlink:problem:${this.code}`,
      title: render({ code: `problem.${this.code}`, params: {} }, language),
      status,
      detail: render(this.said, language),
      code: this.code,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined
        ? {}
        : { errors: this.errors.map((error) => ({ ...error, detail: render(error.detail, language) })) }),
    };
  }
}
