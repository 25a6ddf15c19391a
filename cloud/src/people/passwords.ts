import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { type Message, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';

/**
 * Passwords are stored as `scrypt$N$r$p$salt$hash` (salt and hash base64url): the parameters travel
 * with the hash, so raising the cost later leaves existing hashes verifiable.
 */
export interface ScryptParameters {
  N: number;
  r: number;
  p: number;
}

/** About 50 ms and 16 MiB per hash on a server core. */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 16_384, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, parameters: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, parameters);
  const { N, r, p } = parameters;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when `password` matches `stored`; a malformed stored hash matches nothing. Constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const expected = Buffer.from(parts[5] as string, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(password, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}

let decoy: Promise<string> | undefined;

/**
 * A hash to verify against when the username is unknown, so that answering takes as long as for a
 * wrong password and timing does not tell which of the two was wrong.
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** The first guesses of every password list: a common word, then digits or symbols only. */
const GUESSABLE =
  /^(?:password|passw0rd|p@ssw0rd|qwerty\w*|1qaz2wsx\w*|admin\w*|root|gridlink|welcome|letmein|iloveyou)[\d\W_]*$/i;

/**
 * Why a new password is refused; undefined when it is acceptable. Length matters most (12 to 256
 * characters, a passphrase is fine); passwords any guessing list tries first are refused too, and
 * one containing the username when it is given.
 */
export function passwordRefusal(password: string, username?: string): Message | undefined {
  if (password.length < 12) return message('password.too_short', { min: 12 });
  if (password.length > 256) return message('password.too_long', { max: 256 });
  if (new Set(password).size < 6) return message('password.too_uniform', { min: 6 });
  if (/^\d+$/.test(password)) return message('password.digits_only');
  if (GUESSABLE.test(password)) return message('password.guessable');
  if (username !== undefined && username.length >= 3 && password.toLowerCase().includes(username.toLowerCase()))
    return message('password.names_user');
  return undefined;
}

/** {@link passwordRefusal} in English, for the CLI. */
export function passwordProblem(password: string, username?: string): string | undefined {
  const refusal = passwordRefusal(password, username);
  return refusal === undefined ? undefined : render(refusal, 'en');
}
