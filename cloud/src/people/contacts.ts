import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type Actor, writeAudit } from './audit.js';

/**
 * A mainland China mobile number, the only kind SMS providers deliver to: 11 digits starting with
 * 1, optionally written with +86 (kept without it).
 */
export const Phone = z
  .string()
  .transform((value) => value.replace(/[\s-]/g, ''))
  .pipe(
    z
      .string()
      .regex(/^(?:\+86)?1[3-9]\d{9}$/, {
        error: 'expected a mainland China mobile number: 11 digits starting with 13-19, optionally after +86',
      })
      .transform((value) => value.replace(/^\+86/, '')),
  )
  .meta({
    description: 'A mainland China mobile number: 11 digits starting with 13-19, optionally after +86',
    examples: ['13800000001', '+86 138 0000 0001'],
  });

export const ContactBody = z.strictObject({ phone: Phone });

/** A user's contact as the API shows it. */
export interface Contact {
  user_id: string;
  phone: string;
  updated_at: string;
}

/** Who a contact record points at in the audit log. */
export const contactTarget = (userId: string) => `contact:${userId}`;

/**
 * Users' phone numbers for SMS (table `user_contacts`), apart from users so that no user listing
 * carries them. Every change and every read through the API is audited (personal data); the
 * number itself never goes into the audit log.
 */
export class ContactStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The contact of `userId`; the read is audited as `contact.view` by `actor`. */
  async view(actor: Actor, userId: string): Promise<Contact | undefined> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ phone: string; updated_at: Date }>(
        'SELECT phone, updated_at FROM user_contacts WHERE user_id = $1',
        [userId],
      );
      await writeAudit(tx, { actor, action: 'contact.view', target: contactTarget(userId), at: now });
      const row = rows[0];
      return row && { user_id: userId, phone: row.phone, updated_at: row.updated_at.toISOString() };
    });
  }

  /** Sets the phone number of `userId` (a number {@link Phone} accepted). */
  async set(actor: Actor, userId: string, phone: string): Promise<Contact> {
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO user_contacts (user_id, phone, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at`,
        [userId, phone, now],
      );
      await writeAudit(tx, {
        actor,
        action: 'contact.set',
        target: contactTarget(userId),
        at: now,
        details: { phone: 'set' },
      });
    });
    return { user_id: userId, phone, updated_at: now.toISOString() };
  }

  /** Removes the phone number of `userId`; false when there was none. */
  async remove(actor: Actor, userId: string): Promise<boolean> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query('DELETE FROM user_contacts WHERE user_id = $1 RETURNING user_id', [userId]);
      if (rows.length === 0) return false;
      await writeAudit(tx, { actor, action: 'contact.remove', target: contactTarget(userId), at: now });
      return true;
    });
  }
}
