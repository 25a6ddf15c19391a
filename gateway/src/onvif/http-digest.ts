import { createHash, randomBytes } from 'node:crypto';

/** A parsed `WWW-Authenticate: Digest …` challenge (RFC 7616). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm?: string;
}

export function parseDigestChallenge(header: string | string[] | undefined): DigestChallenge | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const digest = values.find((value) => /^\s*digest\s/i.test(value));
  if (!digest) return undefined;
  const params: Record<string, string> = {};
  for (const match of digest
    .replace(/^\s*digest\s+/i, '')
    .matchAll(/([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    const key = match[1]?.toLowerCase();
    if (key) params[key] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  }
  if (params.realm === undefined || params.nonce === undefined) return undefined;
  return {
    realm: params.realm,
    nonce: params.nonce,
    ...(params.qop !== undefined ? { qop: params.qop } : {}),
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    ...(params.algorithm !== undefined ? { algorithm: params.algorithm } : {}),
  };
}

/**
 * A challenge without `qop=auth`: its answer is a hash of the password over a nonce the server
 * chose alone, which whoever sent the challenge can attack offline with precomputed tables. Never
 * answered; the camera's web settings (or firmware) must offer qop=auth.
 */
export class WeakDigestError extends Error {
  override readonly name = 'WeakDigestError';
  constructor(
    readonly url: string,
    readonly challenge: DigestChallenge,
  ) {
    super(
      `${url} asks for HTTP Digest without qop=auth (qop ${challenge.qop === undefined ? 'absent' : `"${challenge.qop}"`}, algorithm ${challenge.algorithm ?? 'MD5'}): refused, no credentials sent; enable Digest with qop=auth on the camera`,
    );
  }
}

/** Whether a challenge offers `qop=auth` (the only kind answered). */
export function offersQopAuth(challenge: DigestChallenge): boolean {
  return (
    challenge.qop
      ?.split(',')
      .map((value) => value.trim().toLowerCase())
      .includes('auth') === true
  );
}

/** The `Authorization` header answering a challenge, MD5 or SHA-256, with `qop=auth` (else refused). */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  method: string,
  uri: string,
  nc = 1,
  cnonce = randomBytes(8).toString('hex'),
): string {
  const sha256 = /sha-256/i.test(challenge.algorithm ?? '');
  const hash = (value: string) =>
    createHash(sha256 ? 'sha256' : 'md5')
      .update(value)
      .digest('hex');
  if (!offersQopAuth(challenge)) throw new WeakDigestError(uri, challenge);
  const ha1 = hash(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  const ha2 = hash(`${method}:${uri}`);
  const qop = 'auth';
  const count = nc.toString(16).padStart(8, '0');
  const response = hash(`${ha1}:${challenge.nonce}:${count}:${cnonce}:${qop}:${ha2}`);
  const quote = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    ...(challenge.algorithm ? [`algorithm=${challenge.algorithm}`] : []),
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
    `qop=${qop}`,
    `nc=${count}`,
    `cnonce=${quote(cnonce)}`,
  ];
  return `Digest ${parts.join(', ')}`;
}
