import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Residents' names and phones as the database keeps them: AES-256-GCM under a key derived from the
 * admin token (as the attachment links and the login log derive theirs), so every replica opens
 * what another sealed, and a copy of the database alone reveals nothing. Each text is bound to its
 * entry (the entry id is the additional data): a sealed text moved to another entry does not open.
 */
export class PersonalDataSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('gridlink worklog personal data v1').digest();
  }

  seal(text: string, entryId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(entryId, 'utf8'));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The text, or undefined when it was sealed under another key or for another entry. */
  open(sealed: string, entryId: string): string | undefined {
    const [version, payload] = sealed.split('.');
    if (version !== VERSION || payload === undefined) return undefined;
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(entryId, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
