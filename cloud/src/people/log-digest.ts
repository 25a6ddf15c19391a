import { createHmac } from 'node:crypto';

/**
 * What the log says instead of a username that failed to log in: the first 16 hex digits of an
 * HMAC-SHA256 keyed with a key derived from the admin token. Whoever holds the admin token can
 * check whether a line names a given username (`logDigest(token, name)`); the log alone gives nothing
 * away, even a password typed into the username field.
 */
export function logDigest(secret: string, text: string): string {
  const key = createHmac('sha256', secret).update('gridlink login log v1').digest();
  return createHmac('sha256', key).update(text).digest('hex').slice(0, 16);
}
