import type { ServerResponse } from 'node:http';

interface Reader {
  res: ServerResponse;
  /** Bytes written that the socket has not taken yet. */
  pending: () => number;
  /** The reader's session still holds (not signed out, not expired). */
  allowed: () => boolean;
}

/**
 * Server-sent events to the console's browsers. Each reader has a bounded buffer: one that falls
 * more than `maxBufferedBytes` behind (a laptop asleep, a stalled link) is cut off and reconnects
 * with a fresh snapshot, so a slow reader never makes the gateway hold an unbounded backlog.
 */
export class EventStream {
  private readonly readers = new Set<Reader>();
  /** Readers cut off for falling behind (tests, metrics). */
  cut = 0;

  constructor(
    private readonly maxBufferedBytes = 256 * 1024,
    private readonly maxReaders = 64,
  ) {}

  /** Starts streaming to `res` for as long as `allowed()` holds (checked before each event). */
  open(res: ServerResponse, allowed: () => boolean = () => true): boolean {
    if (this.readers.size >= this.maxReaders) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const reader: Reader = { res, pending: () => res.writableLength, allowed };
    this.readers.add(reader);
    res.on('close', () => this.readers.delete(reader));
    return true;
  }

  send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const reader of this.readers) {
      if (!reader.allowed()) {
        // Signed out or expired: the stream ends with the session.
        this.readers.delete(reader);
        reader.res.end();
        continue;
      }
      if (reader.pending() + frame.length > this.maxBufferedBytes) {
        this.cut++;
        this.readers.delete(reader);
        reader.res.destroy();
        continue;
      }
      reader.res.write(frame);
    }
  }

  get size(): number {
    return this.readers.size;
  }

  close(): void {
    for (const reader of this.readers) reader.res.end();
    this.readers.clear();
  }
}
