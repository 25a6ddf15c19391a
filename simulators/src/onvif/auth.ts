import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NS } from './soap.js';
import { parseDateTime } from './time.js';
import { child, type XmlElement } from './xml.js';

const PASSWORD_DIGEST_TYPE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

export type AuthResult = { ok: true } | { ok: false; reason: string };

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * WS-Security UsernameToken with PasswordDigest = Base64(SHA1(nonce + created + password)), `Created`
 * checked against the camera's own clock (so a client that ignores the camera's clock offset fails, as
 * with real cameras) and each nonce accepted once.
 */
export class UsernameTokenVerifier {
  private readonly seenNonces = new Map<string, number>();

  constructor(
    private readonly credentials: () => { username: string; password: string },
    private readonly cameraNow: () => number,
    private readonly windowMs: number,
  ) {}

  verify(security: XmlElement): AuthResult {
    const token = child(security, 'UsernameToken', NS.wsse);
    if (!token) return { ok: false, reason: 'wsse:Security has no UsernameToken' };
    const username = child(token, 'Username', NS.wsse)?.text ?? '';
    const passwordElement = child(token, 'Password', NS.wsse);
    const nonceText = child(token, 'Nonce', NS.wsse)?.text ?? '';
    const createdText = child(token, 'Created', NS.wsu)?.text ?? '';
    if (!passwordElement) return { ok: false, reason: 'UsernameToken has no Password' };
    const type = passwordElement.attrs.Type;
    if (type !== undefined && type !== PASSWORD_DIGEST_TYPE) {
      return { ok: false, reason: 'only PasswordDigest passwords are accepted' };
    }
    if (!nonceText || !createdText) return { ok: false, reason: 'PasswordDigest needs Nonce and Created' };
    const created = parseDateTime(createdText);
    if (created === undefined) return { ok: false, reason: 'Created is not an xs:dateTime' };
    const now = this.cameraNow();
    if (Math.abs(created - now) > this.windowMs) {
      return { ok: false, reason: 'Created is outside the accepted window of the camera clock' };
    }
    const { username: expectedUser, password } = this.credentials();
    const nonce = Buffer.from(nonceText, 'base64');
    const expected = createHash('sha1')
      .update(Buffer.concat([nonce, Buffer.from(createdText.trim()), Buffer.from(password)]))
      .digest('base64');
    if (!sameSecret(username, expectedUser) || !sameSecret(passwordElement.text, expected)) {
      return { ok: false, reason: 'wrong username or password' };
    }
    this.forgetOldNonces(now);
    if (this.seenNonces.has(nonceText)) return { ok: false, reason: 'nonce already used' };
    this.seenNonces.set(nonceText, now);
    return { ok: true };
  }

  private forgetOldNonces(now: number): void {
    // A nonce older than twice the window can no longer pass the Created check, so it need not be kept.
    for (const [nonce, seenAt] of this.seenNonces) {
      if (now - seenAt > 2 * this.windowMs) this.seenNonces.delete(nonce);
    }
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** Parses `Digest a="b", c=d` into its parameters. */
export function parseDigestParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  const pattern = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const match of header.replace(/^\s*Digest\s+/i, '').matchAll(pattern)) {
    const key = match[1];
    if (key) params[key.toLowerCase()] = match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? '';
  }
  return params;
}

/** HTTP Digest (RFC 7616) with MD5 and qop=auth; server nonces expire and each nonce count is used once. */
export class HttpDigestVerifier {
  private readonly nonces = new Map<string, { issuedAt: number; lastCount: number }>();
  private static readonly NONCE_LIFETIME_MS = 5 * 60_000;

  constructor(
    readonly realm: string,
    private readonly credentials: () => { username: string; password: string },
    private readonly now: () => number,
  ) {}

  challenge(stale = false): string {
    const now = this.now();
    for (const [nonce, { issuedAt }] of this.nonces) {
      if (now - issuedAt > HttpDigestVerifier.NONCE_LIFETIME_MS) this.nonces.delete(nonce);
    }
    const nonce = randomBytes(16).toString('hex');
    this.nonces.set(nonce, { issuedAt: now, lastCount: 0 });
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=MD5${stale ? ', stale=true' : ''}`;
  }

  verify(header: string, method: string, requestUri: string): AuthResult & { stale?: boolean } {
    if (!/^\s*Digest\s/i.test(header)) return { ok: false, reason: 'only HTTP Digest authorization is accepted' };
    const p = parseDigestParams(header);
    const { username = '', realm, nonce = '', uri, response = '', qop, nc = '', cnonce = '' } = p;
    if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return { ok: false, reason: 'algorithm must be MD5' };
    if (qop !== 'auth') return { ok: false, reason: 'qop must be auth' };
    if (realm !== this.realm) return { ok: false, reason: 'wrong realm' };
    if (uri !== requestUri) return { ok: false, reason: 'digest uri does not match the request' };
    const issued = this.nonces.get(nonce);
    if (!issued || this.now() - issued.issuedAt > HttpDigestVerifier.NONCE_LIFETIME_MS) {
      return { ok: false, reason: 'unknown or expired nonce', stale: true };
    }
    const count = Number.parseInt(nc, 16);
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || count <= issued.lastCount) return { ok: false, reason: 'nonce count replayed' };
    const { username: expectedUser, password } = this.credentials();
    const ha1 = md5(`${expectedUser}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    if (!sameSecret(username, expectedUser) || !sameSecret(response.toLowerCase(), expected)) {
      return { ok: false, reason: 'wrong username or password' };
    }
    issued.lastCount = count;
    return { ok: true };
  }
}
