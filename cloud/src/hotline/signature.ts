import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a push-back: HMAC-SHA256 under the platform's secret of `<timestamp>.<body>`,
 * lowercase hex. The timestamp (Unix seconds) is signed too, so a captured push cannot be replayed
 * later with a fresh timestamp; the receiver refuses timestamps far from its own clock.
 */
export function signPush(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Whether `signature` is the push's, compared in constant time. */
export function pushSignatureValid(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signPush(secret, timestamp, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
