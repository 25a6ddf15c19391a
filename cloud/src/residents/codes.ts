import { createHash, createHmac, randomInt } from 'node:crypto';
import { TRACKING_ALPHABET, TRACKING_CODE_LENGTH } from '@gridlink/protocol';

/**
 * A tracking code: 10 characters of a 31-letter alphabet without look-alikes (about 49 bits), drawn
 * with the system's CSPRNG, so codes cannot be guessed or walked.
 */
export function newTrackingCode(): string {
  let code = '';
  for (let i = 0; i < TRACKING_CODE_LENGTH; i++) code += TRACKING_ALPHABET[randomInt(TRACKING_ALPHABET.length)];
  return code;
}

/** What the database keeps of a tracking code: a copy of the table alone follows no report. */
export const trackingDigest = (code: string) => createHash('sha256').update(`gridlink tracking ${code}`).digest('hex');

/** A 6-digit SMS code. */
export const newSmsCode = () => String(randomInt(1_000_000)).padStart(6, '0');

/**
 * Keyed hashes of a phone number and of an SMS code: a phone's reports are counted and its code
 * checked without the number or the code being readable in the database (a million codes are too
 * few for an unkeyed hash).
 */
export class Digests {
  constructor(private readonly secret: string) {}

  phone(phone: string): string {
    return createHmac('sha256', this.secret).update(`resident phone ${phone}`).digest('hex');
  }

  smsCode(phoneHash: string, code: string): string {
    return createHmac('sha256', this.secret).update(`resident sms code ${phoneHash} ${code}`).digest('hex');
  }
}
