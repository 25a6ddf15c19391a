import { type FieldIssue, formatIssue } from './issues.js';

/**
 * A message that does not match the contract. The text names the topic (or other context), each
 * field path, what was expected and what arrived, e.g.
 * `gridlink/smoke-b3-u2-0401/event/alarm: smoke_density: expected number, received string "high"`.
 */
export class ProtocolValidationError extends Error {
  override readonly name = 'ProtocolValidationError';
  readonly code = 'GL_PROTOCOL_INVALID';

  constructor(
    /** Where the message came from: an MQTT topic, an HTTP route, a file name. */
    readonly context: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`${context}: ${issues.map(formatIssue).join('; ')}`);
  }
}

/** Result of parsing untrusted input: never throws on bad input, so callers cannot forget. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ProtocolValidationError };
