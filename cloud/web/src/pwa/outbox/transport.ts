import { call, Problem, sendFile } from '../../api.js';
import type { SendOutcome, Transport, WireRequest } from './outbox.js';

/** The outbox's requests over the API client: the signed-in session's token, problems as the API words them. */
export const apiTransport: Transport = {
  async send(request: WireRequest): Promise<SendOutcome> {
    try {
      const result =
        'blob' in request.body
          ? await sendFile(request.method, request.path, request.body.blob, request.body.contentType)
          : await call(request.method, request.path, 'json' in request.body ? request.body.json : undefined);
      return { ok: true, result };
    } catch (err) {
      if (!(err instanceof Problem)) return { ok: false, network: true };
      return {
        ok: false,
        problem: { status: err.status, code: err.code, text: err.text, errors: err.errors },
        ...(err.retryAfter === undefined ? {} : { retryAfterS: err.retryAfter }),
      };
    }
  },
};
