import { headline, type Notification, type NotificationChannel } from './notification.js';

/**
 * What an SMS gateway (Aliyun, Tencent Cloud, a carrier's) must offer. Providers need signed
 * templates approved in advance, so the text is one line within a single message's 70 characters.
 */
export interface SmsProvider {
  send(phone: string, text: string): Promise<void>;
}

export const SMS_MAX_CHARS = 70;

export function smsText(notification: Notification): string {
  const text = `${headline(notification)} ${notification.text.zh}`;
  return text.length <= SMS_MAX_CHARS ? text : `${text.slice(0, SMS_MAX_CHARS - 1)}…`;
}

/** SMS to each recipient with a phone number on file. */
export class SmsChannel implements NotificationChannel {
  readonly name = 'sms';

  constructor(
    private readonly provider: SmsProvider,
    private readonly phoneOf: (userId: string) => Promise<string | undefined>,
  ) {}

  async send(notification: Notification): Promise<void> {
    const text = smsText(notification);
    for (const userId of notification.recipients.userIds) {
      const phone = await this.phoneOf(userId);
      if (phone) await this.provider.send(phone, text);
    }
  }
}
