import type { Notification, NotificationChannel } from './notification.js';

type Write = (chunk: string) => void;

/**
 * Live push to the web app over Server-Sent Events: each signed-in page holds one stream, and a
 * notification goes to the streams of its recipients. Nothing is stored here — a page that was
 * closed finds the incident in its list; the notification log keeps what was sent.
 */
export class LivePush implements NotificationChannel {
  readonly name = 'live';
  private readonly streams = new Map<string, Set<Write>>();

  /** A page of `userId` opened its stream; returns the function that closes it. */
  subscribe(userId: string, write: Write): () => void {
    const streams = this.streams.get(userId) ?? new Set<Write>();
    streams.add(write);
    this.streams.set(userId, streams);
    return () => {
      streams.delete(write);
      if (streams.size === 0) this.streams.delete(userId);
    };
  }

  get connected(): number {
    let count = 0;
    for (const streams of this.streams.values()) count += streams.size;
    return count;
  }

  async send(notification: Notification): Promise<void> {
    const frame = `event: notification\nid: ${notification.key}\ndata: ${JSON.stringify({
      key: notification.key,
      incident_id: notification.incidentId,
      title: notification.title,
      text: notification.text,
      severity: notification.severity,
      urgent: notification.urgent,
      url: notification.url,
      at: notification.at.toISOString(),
    })}\n\n`;
    for (const userId of notification.recipients.userIds) {
      for (const write of this.streams.get(userId) ?? []) write(frame);
    }
  }
}
