import { DomainError } from '../http/domain-error.js';
import type { ProblemCode, ProblemFieldError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';

export type HotlineErrorCode =
  | 'GL_HOTLINE_NOT_A_PLATFORM'
  | 'GL_HOTLINE_OUTSIDE_TERRITORY'
  | 'GL_HOTLINE_REPLAY_CONFLICT'
  | 'GL_HOTLINE_ORDER_NOT_FOUND'
  | 'GL_HOTLINE_STATE_CONFLICT'
  | 'GL_HOTLINE_PLATFORM_EXISTS';

const PROBLEM_OF: Record<HotlineErrorCode, ProblemCode> = {
  GL_HOTLINE_NOT_A_PLATFORM: 'GL_FORBIDDEN',
  GL_HOTLINE_OUTSIDE_TERRITORY: 'GL_FORBIDDEN',
  GL_HOTLINE_REPLAY_CONFLICT: 'GL_HOTLINE_REPLAY_CONFLICT',
  GL_HOTLINE_ORDER_NOT_FOUND: 'GL_HOTLINE_ORDER_NOT_FOUND',
  GL_HOTLINE_STATE_CONFLICT: 'GL_HOTLINE_STATE_CONFLICT',
  GL_HOTLINE_PLATFORM_EXISTS: 'GL_HOTLINE_PLATFORM_EXISTS',
};

/** A refusal of the hotline module: nothing was written. */
export class HotlineError extends DomainError {
  override readonly name = 'HotlineError';

  constructor(
    readonly code: HotlineErrorCode,
    said: Message,
    field?: string,
  ) {
    const errors: ProblemFieldError[] | undefined =
      field === undefined ? undefined : [{ pointer: field, detail: said }];
    super(`${code}: ${said.code}`, PROBLEM_OF[code], said, errors);
  }
}

/** A replay of an order or update whose `field` differs from what was received first. */
export function replayConflict(ticket: string, field: string): HotlineError {
  return new HotlineError(
    'GL_HOTLINE_REPLAY_CONFLICT',
    message('hotline.replay_conflict', { ticket, field }),
    `/${field}`,
  );
}
