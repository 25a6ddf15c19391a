import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { Notification, NotificationChannel } from './notification.js';

/**
 * Sends a notification through its channels, each on its own: one robot being down never keeps
 * the live push or the SMS from going. Each (key, channel) is sent once — a notification raised
 * again (a retried transition, a second replica) is not repeated — and logged with its outcome.
 */
export class Notifier {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async notify(
    notification: Notification,
    channels: readonly NotificationChannel[],
  ): Promise<Record<string, 'sent' | 'failed' | 'skipped'>> {
    const outcome: Record<string, 'sent' | 'failed' | 'skipped'> = {};
    await Promise.all(
      channels.map(async (channel) => {
        // Claim (key, channel) first: whoever inserts the row sends; a repeat finds it and skips.
        const claimed = await this.db.query(
          `INSERT INTO notification_log (key, channel, incident_id, district, status, at)
           VALUES ($1, $2, $3, (SELECT district FROM incidents WHERE id = $3), 'sent', $4)
           ON CONFLICT (key, channel) DO NOTHING RETURNING key`,
          [notification.key, channel.name, notification.incidentId, this.clock()],
        );
        if (claimed.rows.length === 0) {
          outcome[channel.name] = 'skipped';
          return;
        }
        try {
          await channel.send(notification);
          outcome[channel.name] = 'sent';
        } catch (err) {
          const error = (err as Error).message;
          outcome[channel.name] = 'failed';
          this.logger.warn({ channel: channel.name, incident: notification.incidentId, error }, 'notification failed');
          await this.db.query(
            `UPDATE notification_log SET status = 'failed', error = $3, at = $4 WHERE key = $1 AND channel = $2`,
            [notification.key, channel.name, error, this.clock()],
          );
        }
      }),
    );
    return outcome;
  }
}
