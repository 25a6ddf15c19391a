import type { Request, Response } from 'express';
import { message } from '../i18n/message.js';
import { ProblemError } from './problems.js';

/**
 * Starts a Server-Sent Events answer: headers sent at once (so the client sees the stream open),
 * nothing cached or buffered by a proxy, and each event written without Nagle's delay.
 */
export function openEventStream(req: Request, res: Response): void {
  res.status(200).set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
}

/**
 * How many streams of one kind each user holds, capped: a token cannot open streams without
 * bound. `take` refuses the one over the cap (429 with Retry-After) or returns its release.
 */
export class PerUserStreams {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly perUser: number,
    /** What the streams are, for the refusal: `incident` (a word of the `stream` vocabulary). */
    private readonly what: 'incident' | 'notification' | 'property',
  ) {}

  take(userId: string): () => void {
    const held = this.held.get(userId) ?? 0;
    if (held >= this.perUser) {
      throw new ProblemError(
        'GL_TOO_MANY_STREAMS',
        message('stream.too_many', { held, what: this.what, most: this.perUser }),
        undefined,
        { 'retry-after': '30' },
      );
    }
    this.held.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left > 0) this.held.set(userId, left);
      else this.held.delete(userId);
    };
  }
}
