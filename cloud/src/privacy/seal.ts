import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const TEXT_VERSION = 'v1';

/**
 * Personal data as the database keeps it (residents' names and phones, a worker's trajectory):
 * AES-256-GCM under a key derived from the cloud's data secret and the data's purpose, so every
 * replica opens what another sealed and a copy of the database alone reveals nothing. Each value
 * is bound to its record (the additional data): a sealed value moved to another record does not open.
 */
export class PersonalDataSeal {
  private readonly key: Buffer;

  /** `purpose` names the data (e.g. `worklog personal data`): each purpose has its own key. */
  constructor(secret: string, purpose: string) {
    this.key = createHmac('sha256', secret).update(`gridlink ${purpose} v1`).digest();
  }

  /** Bytes sealed: IV, tag, then the ciphertext. */
  sealBytes(plain: Uint8Array, record: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(record, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The bytes, or undefined when they were sealed under another key or for another record. */
  openBytes(sealed: Uint8Array, record: string): Buffer | undefined {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(record, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  /** A text sealed, as text (`v1.<base64url>`), for a text column. */
  seal(text: string, record: string): string {
    return `${TEXT_VERSION}.${this.sealBytes(Buffer.from(text, 'utf8'), record).toString('base64url')}`;
  }

  /** The text, or undefined when it was sealed under another key or for another record. */
  open(sealed: string, record: string): string | undefined {
    const [version, payload] = sealed.split('.');
    if (version !== TEXT_VERSION || payload === undefined) return undefined;
    return this.openBytes(Buffer.from(payload, 'base64url'), record)?.toString('utf8');
  }
}
