import type { Request, Response } from 'express';

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
