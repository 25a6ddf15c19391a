import { CloudProblem } from './cloud-problem.js';

/**
 * A short reason for a failed request, fit for a node's status line: the cloud's problem (status,
 * code, detail), or why no answer came (connection refused, host not found, reset…).
 */
export function failureReason(error: unknown): string {
  if (error instanceof CloudProblem) return error.message;
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    if (code !== undefined) return `${CAUSES[code] ?? 'no answer'} (${code})`;
    if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
    return error.message;
  }
  return String(error);
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection lost',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
};
