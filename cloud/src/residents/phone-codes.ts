import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { render as renderMessage } from '../i18n/render.js';
import type { SmsProvider } from '../notify/sms.js';
import { type Digests, newSmsCode } from './codes.js';
import { limited } from './limits.js';

export const CODE_TTL_S = 300;
export const CODE_TRIES = 5;
export const RESEND_AFTER_S = 60;

/**
 * SMS codes confirming a resident's phone: 6 digits, kept only as a keyed hash, valid five minutes
 * for five tries; a new one at most every minute per phone.
 */
export class PhoneCodes {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly digests: Digests,
    private readonly sms: SmsProvider | undefined,
  ) {}

  get available(): boolean {
    return this.sms !== undefined;
  }

  async send(phone: string): Promise<void> {
    const sms = this.sms;
    if (sms === undefined) throw new ProblemError('GL_RESIDENT_SMS_UNAVAILABLE', message('residents.sms_unavailable'));
    const now = this.clock();
    const phoneHash = this.digests.phone(phone);
    const code = newSmsCode();
    // One statement: a second request inside the cooldown changes nothing (and races lose alike).
    const { rows } = await this.db.query(
      `INSERT INTO resident_phone_codes AS c (phone_hash, code_hash, sent_at, expires_at, tries)
       VALUES ($1, $2, $3, $4, 0)
       ON CONFLICT (phone_hash) DO UPDATE SET code_hash = $2, sent_at = $3, expires_at = $4, tries = 0
       WHERE c.sent_at <= $5 RETURNING phone_hash`,
      [
        phoneHash,
        this.digests.smsCode(phoneHash, code),
        now,
        new Date(now.getTime() + CODE_TTL_S * 1000),
        new Date(now.getTime() - RESEND_AFTER_S * 1000),
      ],
    );
    if (rows.length === 0) {
      const { rows: held } = await this.db.query<{ sent_at: Date }>(
        'SELECT sent_at FROM resident_phone_codes WHERE phone_hash = $1',
        [phoneHash],
      );
      const sentAt = held[0] ? new Date(held[0].sent_at).getTime() : now.getTime();
      throw limited('sms_resend', (sentAt + RESEND_AFTER_S * 1000 - now.getTime()) / 1000);
    }
    await sms.send(phone, smsText('residents.sms_code', { code, minutes: CODE_TTL_S / 60 }));
  }

  /** Checks the code; the code is used up when right. Refusals name what to do. */
  async confirm(phone: string, code: string): Promise<void> {
    const now = this.clock();
    const phoneHash = this.digests.phone(phone);
    const { rows } = await this.db.query<{ code_hash: string; expires_at: Date; tries: number }>(
      `UPDATE resident_phone_codes SET tries = tries + 1 WHERE phone_hash = $1
       RETURNING code_hash, expires_at, tries`,
      [phoneHash],
    );
    const row = rows[0];
    const refuse = (why: string) =>
      new ProblemError('GL_RESIDENT_CODE_REFUSED', message(`residents.code_${why}`, { tries: CODE_TRIES }), [
        { detail: message(`residents.code_${why}`, { tries: CODE_TRIES }), pointer: '/contact/code' },
      ]);
    if (row === undefined) throw refuse('none');
    if (new Date(row.expires_at).getTime() <= now.getTime()) throw refuse('expired');
    if (row.tries > CODE_TRIES) throw refuse('used_up');
    if (row.code_hash !== this.digests.smsCode(phoneHash, code)) throw refuse('wrong');
    await this.db.query('DELETE FROM resident_phone_codes WHERE phone_hash = $1', [phoneHash]);
  }

  async prune(): Promise<void> {
    await this.db.query('DELETE FROM resident_phone_codes WHERE expires_at < $1', [
      new Date(this.clock().getTime() - 3600_000),
    ]);
  }
}

/** SMS texts are in one language: the provider's signed templates are Chinese. */
export const smsText = (code: string, params: Record<string, unknown>) => renderMessage(message(code, params), 'zh-CN');
