import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

/** How long a link handed to a page works: long enough to show the photos, short if it leaks. */
export const LINK_TTL_MS = 10 * 60 * 1000;

/**
 * Links to one attachment for one user, for `<img src>`: a page cannot send its bearer token with an
 * image request, and the pages' CSP (`img-src 'self'`) rules out blob: URLs. A link names the user
 * and when it ends, signed with a key derived from the admin token (shared by every replica); the
 * download still checks that the user is active and may see the incident, so a link never widens
 * what its user may see.
 */
export class AttachmentLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly ttlMs = LINK_TTL_MS,
  ) {
    this.key = createHmac('sha256', secret).update('gridlink attachment links v1').digest();
  }

  /** The `access` query parameter of a link to `attachmentId` for `userId`. */
  sign(attachmentId: string, userId: string): string {
    const user = Buffer.from(userId, 'utf8').toString('base64url');
    const expires = Math.floor((this.clock().getTime() + this.ttlMs) / 1000);
    return `${user}.${expires}.${this.mac(attachmentId, user, expires)}`;
  }

  /** The user a valid, unexpired `access` was signed for; undefined otherwise. */
  verify(attachmentId: string, access: string): string | undefined {
    const [user, expiresText, mac, ...rest] = access.split('.');
    if (user === undefined || expiresText === undefined || mac === undefined || rest.length > 0) return undefined;
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || expires * 1000 <= this.clock().getTime()) return undefined;
    const expected = Buffer.from(this.mac(attachmentId, user, expires), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Buffer.from(user, 'base64url').toString('utf8');
  }

  private mac(attachmentId: string, user: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${attachmentId}\n${user}\n${expires}`).digest('base64url');
  }
}
