import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

/** How long a link handed to a page works: long enough to show the photos, short if it leaks. */
export const LINK_TTL_MS = 10 * 60 * 1000;

/** Who a valid link was signed for: the user, and the session it came from. */
export interface LinkHolder {
  userId: string;
  sessionId: string;
}

/**
 * Links to one attachment for one session, for `<img src>`: a page cannot send its bearer token
 * with an image request, and the pages' CSP (`img-src 'self'`) rules out blob: URLs. A link names
 * the user, the session (its id, which a refresh keeps, never its token) and when it ends, signed
 * with a key derived from the admin token (shared by every replica). The download checks that the
 * session is still live and the user may see the incident, so a link never outlives its logout
 * nor widens what its user may see.
 */
export class AttachmentLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly ttlMs = LINK_TTL_MS,
  ) {
    this.key = createHmac('sha256', secret).update('gridlink attachment links v2').digest();
  }

  /** The `access` query parameter of a link to `attachmentId` for `holder`. */
  sign(attachmentId: string, holder: LinkHolder): string {
    const user = Buffer.from(holder.userId, 'utf8').toString('base64url');
    const session = Buffer.from(holder.sessionId, 'utf8').toString('base64url');
    const expires = Math.floor((this.clock().getTime() + this.ttlMs) / 1000);
    return `${user}.${session}.${expires}.${this.mac(attachmentId, user, session, expires)}`;
  }

  /** Whom a valid, unexpired `access` was signed for; undefined otherwise. */
  verify(attachmentId: string, access: string): LinkHolder | undefined {
    const [user, session, expiresText, mac, ...rest] = access.split('.');
    if (user === undefined || session === undefined || expiresText === undefined || mac === undefined) return undefined;
    if (rest.length > 0 || !/^\d{1,15}$/.test(expiresText)) return undefined;
    const expires = Number(expiresText);
    if (expires * 1000 <= this.clock().getTime()) return undefined;
    // The exact text is compared, not its decoded bytes: base64url has several spellings of the
    // same bytes (the last character's spare bits), and only the one this class writes is valid.
    const expected = Buffer.from(this.mac(attachmentId, user, session, expires), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return {
      userId: Buffer.from(user, 'base64url').toString('utf8'),
      sessionId: Buffer.from(session, 'base64url').toString('utf8'),
    };
  }

  private mac(attachmentId: string, user: string, session: string, expires: number): string {
    return createHmac('sha256', this.key)
      .update(`${attachmentId}\n${user}\n${session}\n${expires}`)
      .digest('base64url');
  }
}
