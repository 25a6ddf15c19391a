import type { FieldIssue } from '@gridlink/gateway';

/**
 * A refusal with its whole problem body: a form marks each field the server named, an import
 * lists every row's issues. (The shared `api` keeps only the message.)
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: { issues?: FieldIssue[] } & Record<string, unknown>,
  ) {
    super(message);
  }
}

/** POSTs JSON, or raw bytes (an import file, sent as it is so the server can tell UTF-8 from GBK). */
export async function send<T>(path: string, body: unknown): Promise<T> {
  const bytes = body instanceof ArrayBuffer;
  const response = await fetch(`/api/console/${path}`, {
    method: 'POST',
    headers: { 'content-type': bytes ? 'text/csv' : 'application/json' },
    body: bytes ? body : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('console-signed-out'));
    throw new Refusal(
      response.status,
      String(data.code ?? 'GL_ERROR'),
      String(data.detail ?? response.statusText),
      data as Refusal['body'],
    );
  }
  return data as T;
}
