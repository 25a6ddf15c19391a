import { type IncomingHttpHeaders, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from './http-digest.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The camera could not be reached or did not answer in time: retry the same thing later. */
export class CameraUnreachableError extends Error {
  override readonly name = 'CameraUnreachableError';
}

/** The camera answered something larger than the caller accepts (a snapshot over the cap). */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes?: number;
  /** How the camera's HTTPS certificate is checked: verified by default (see {@link CameraTls}). */
  tls?: CameraTls;
  /** Ends the request (a long-poll included) when the camera's session stops. */
  signal?: AbortSignal;
}

/**
 * A camera's HTTPS: its certificate is verified like any server's (chain and address), against the
 * system's CAs or `ca` — the PEM of the CA that signed it, or of the camera's own self-signed
 * certificate, which pins it. `insecure` (the installer's explicit `insecure_tls`) checks nothing:
 * anyone on the LAN path could then read the camera's credentials.
 */
export interface CameraTls {
  ca?: string | Buffer;
  insecure?: boolean;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : request;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
    const req = send(
      target,
      {
        method: options.method,
        headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(target.protocol === 'https:'
          ? {
              rejectUnauthorized: options.tls?.insecure !== true,
              ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new ResponseTooLargeError(`${url} answered more than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err) => reject(new CameraUnreachableError(`${url}: ${err.message}`, { cause: err })));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(new CameraUnreachableError(`${url}: ${err.message}${tlsHint(err)}`, { cause: err })),
    );
    req.end(body);
  });
}

/** A refused camera certificate says what the installer can do about it. */
function tlsHint(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)
    ? ` (the camera's certificate is not trusted: pin it with the camera's tls_ca_file, see gateway/README.md)`
    : '';
}

/**
 * HTTP Digest for one camera: the first 401 carries the challenge, the request is sent again
 * answering it, and the challenge is kept so later requests answer it at once (with a growing
 * nonce count) until the camera issues a new one.
 */
export class DigestSession {
  private challenge?: DigestChallenge;
  private count = 0;

  constructor(private readonly credentials: { username: string; password: string }) {}

  async request(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
    const uri = (() => {
      const target = new URL(url);
      return `${target.pathname}${target.search}`;
    })();
    const withAuth = (challenge: DigestChallenge): HttpRequestOptions => ({
      ...options,
      headers: {
        ...options.headers,
        authorization: digestAuthorization(challenge, this.credentials, options.method, uri, ++this.count),
      },
    });
    let response = await httpRequest(url, this.challenge ? withAuth(this.challenge) : options);
    if (response.status !== 401) return response;
    const challenge = parseDigestChallenge(response.headers['www-authenticate']);
    if (!challenge) return response;
    this.challenge = challenge;
    this.count = 0;
    response = await httpRequest(url, withAuth(challenge));
    return response;
  }
}
