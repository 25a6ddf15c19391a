import type { Request, Response } from 'express';
import { openEventStream } from '../http/event-stream.js';
import { ProblemError } from '../http/problems.js';
import type { LivePush } from '../notify/live-push.js';

export const HEARTBEAT_MS = 25_000;

/**
 * The open Server-Sent Events streams of {@link LivePush}: each page of a signed-in user holds one.
 * A comment line every 25 s keeps proxies from cutting an idle stream; `close()` (cloud stop) ends
 * every stream so the server can shut down at once, and refuses new ones.
 */
export class NotificationStreams {
  private readonly open = new Set<() => void>();
  private closed = false;

  constructor(
    readonly live: LivePush,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get count(): number {
    return this.open.size;
  }

  /** Serves `res` as `userId`'s stream until the client goes away or the cloud stops. */
  serve(userId: string, req: Request, res: Response): void {
    if (this.closed) throw new ProblemError('GL_SHUTTING_DOWN', 'the cloud is shutting down');
    openEventStream(req, res);
    // Browsers reconnect after `retry` ms; the comment makes the stream visibly open.
    res.write('retry: 5000\n: connected\n\n');
    const unsubscribe = this.live.subscribe(userId, (chunk) => {
      res.write(chunk);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs);
    heartbeat.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(end);
      if (!res.writableEnded) res.end();
    };
    this.open.add(end);
    req.on('close', end);
    res.on('close', end);
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const end of [...this.open]) end();
  }
}
