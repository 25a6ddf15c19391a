import type { Request, Response } from 'express';
import { openEventStream, PerUserStreams } from '../http/event-stream.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import type { LivePush } from '../notify/live-push.js';
import type { SessionSignals } from '../people/session-signals.js';
import { guardStreamSession, type StreamSessionState } from '../people/stream-session.js';

export const HEARTBEAT_MS = 25_000;

export interface NotificationStreamLimits {
  /** A comment line this often keeps proxies from cutting an idle stream (and re-checks the session); 25 s. */
  heartbeatMs: number;
  /** Open streams one user may hold (tabs, devices); default 5. */
  perUser: number;
  /** Bytes waiting for a slow client before it is disconnected; default 256 KiB. */
  bufferBytes: number;
}

export const DEFAULT_NOTIFICATION_STREAM_LIMITS: NotificationStreamLimits = {
  heartbeatMs: HEARTBEAT_MS,
  perUser: 5,
  bufferBytes: 256 * 1024,
};

/**
 * The open Server-Sent Events streams of {@link LivePush}: each page of a signed-in user holds one,
 * at most `perUser` per user. A stream ends when its session ends, its user is deactivated or its
 * roles change (at once, on any replica, through {@link SessionSignals}; and checked again with
 * every heartbeat), and when its client leaves `bufferBytes` unread. `close()` (cloud stop) ends
 * every stream so the server can shut down at once, and refuses new ones.
 */
export class NotificationStreams {
  private readonly open = new Set<() => void>();
  private readonly perUser: PerUserStreams;
  private readonly limits: NotificationStreamLimits;
  private closed = false;

  constructor(
    readonly live: LivePush,
    limits: Partial<NotificationStreamLimits> = {},
    private readonly signals?: SessionSignals,
  ) {
    this.limits = { ...DEFAULT_NOTIFICATION_STREAM_LIMITS, ...limits };
    this.perUser = new PerUserStreams(this.limits.perUser, 'notification');
  }

  get count(): number {
    return this.open.size;
  }

  /** Serves `res` as `userId`'s stream until the client goes away, its session ends or the cloud stops. */
  serve(userId: string, req: Request, res: Response, check?: () => Promise<StreamSessionState>): void {
    if (this.closed) throw new ProblemError('GL_SHUTTING_DOWN', message('cloud.shutting_down'));
    const release = this.perUser.take(userId);
    openEventStream(req, res);
    let ended = false;
    const write = (chunk: string) => {
      if (ended) return;
      res.write(chunk);
      if (res.writableLength > this.limits.bufferBytes) {
        end();
        res.destroy();
      }
    };
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      guard.stop();
      unsubscribe();
      release();
      this.open.delete(end);
      if (!res.writableEnded) res.end();
    };
    const unsubscribe = this.live.subscribe(userId, write);
    const guard = guardStreamSession({ userId, signals: this.signals, check, end });
    const heartbeat = setInterval(() => {
      write(': heartbeat\n\n');
      guard.recheck();
    }, this.limits.heartbeatMs);
    heartbeat.unref();
    this.open.add(end);
    req.on('close', end);
    res.on('close', end);
    // Browsers reconnect after `retry` ms; the comment makes the stream visibly open.
    write('retry: 5000\n: connected\n\n');
    // A session ended between the request's check and the watch above is caught here.
    guard.recheck();
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const end of [...this.open]) end();
  }
}
