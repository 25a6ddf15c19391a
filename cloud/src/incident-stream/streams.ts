import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { fromDatabase } from '../http/database.js';
import { openEventStream, PerUserStreams } from '../http/event-stream.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type Principal, scopeFilter } from '../people/scope.js';
import type { SessionSignals } from '../people/session-signals.js';
import { guardStreamSession, type StreamSessionState } from '../people/stream-session.js';
import {
  changeFrame,
  changeRange,
  changeVisible,
  type IncidentChange,
  reloadFrame,
  visibleChangesAfter,
} from './changes.js';
import type { FeedItem, IncidentChangeFeed } from './feed.js';

export interface IncidentStreamLimits {
  /** A comment line this often keeps proxies from cutting an idle stream; default 25 s. */
  heartbeatMs: number;
  /** Open streams one user may hold (tabs, devices); default 5. */
  perUser: number;
  /** Bytes waiting for a slow client before it is disconnected; default 256 KiB. */
  bufferBytes: number;
  /** Most missed changes replayed on resume; a larger gap is answered with `event: reload`. */
  replayMax: number;
}

export const DEFAULT_STREAM_LIMITS: IncidentStreamLimits = {
  heartbeatMs: 25_000,
  perUser: 5,
  bufferBytes: 256 * 1024,
  replayMax: 500,
};

/** `Last-Event-ID` as the stream wrote it: a change number. */
function resumeFrom(req: Request): number | undefined {
  const header = req.get('last-event-id');
  if (header === undefined || header.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new ProblemError('GL_VALIDATION_FAILED', message('stream.resume_unknown', { header: 'Last-Event-ID' }), [
      {
        detail: message('stream.resume_how'),
        parameter: 'Last-Event-ID',
      },
    ]);
  }
  return Number(header.trim());
}

/**
 * The open `GET /incidents/stream` connections of this replica. Each gets the changes of the
 * incidents its user's list shows (the list's scope rules), the ones it missed since its
 * `Last-Event-ID` (or `event: reload` when they are no longer all kept), and a heartbeat. A client
 * that does not read is disconnected once `bufferBytes` wait for it, so memory stays bounded.
 */
export class IncidentStreams {
  private readonly open = new Set<() => void>();
  private readonly perUser: PerUserStreams;
  private readonly limits: IncidentStreamLimits;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly feed: IncidentChangeFeed,
    private readonly logger: Logger,
    limits: Partial<IncidentStreamLimits> = {},
    private readonly signals?: SessionSignals,
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
    this.perUser = new PerUserStreams(this.limits.perUser, 'incident');
  }

  get count(): number {
    return this.open.size;
  }

  /**
   * Serves `res` as `principal`'s stream until the client goes away or the cloud stops. `check`
   * reads the session again at once when the user's sessions or roles change (on any replica) and
   * with every heartbeat: an ended session, a deactivated user or changed roles end the stream.
   */
  async serve(
    principal: Principal,
    req: Request,
    res: Response,
    check?: () => Promise<StreamSessionState>,
  ): Promise<void> {
    if (this.closed) throw new ProblemError('GL_SHUTTING_DOWN', message('cloud.shutting_down'));
    const after = resumeFrom(req);
    const userId = principal.userId;
    const release = this.perUser.take(userId);
    const filter = scopeFilter(principal);

    let ended = false;
    let replayed = new Set<number>();
    // Changes heard while the missed ones are read wait here, bounded; past the bound, a reload.
    let waiting: FeedItem[] | undefined = [];
    let overflowed = false;
    const write = (chunk: string) => {
      if (ended) return;
      res.write(chunk);
      if (res.writableLength > this.limits.bufferBytes) {
        this.logger.info(
          { user: userId, buffered: res.writableLength },
          'incident stream client too slow; disconnected',
        );
        end();
        res.destroy();
      }
    };
    const deliver = (item: FeedItem) => {
      if (item.kind === 'reset') write(reloadFrame(item.lastSeq, 'changes were missed'));
      else if (changeVisible(filter, item.change) && !replayed.has(item.change.seq)) write(changeFrame(item.change));
    };
    // Subscribed before reading the database, so a change committed in between is not lost.
    const unsubscribe = this.feed.subscribe((item) => {
      if (waiting === undefined) deliver(item);
      else if (waiting.length < this.limits.replayMax) waiting.push(item);
      else overflowed = true;
    });
    // A client gone while the database is read is not served at all.
    let gone = false;
    const leave = () => {
      gone = true;
    };
    req.once('close', leave);
    let range: { first: number | null; last: number | null };
    let replay: IncidentChange[] = [];
    try {
      range = await fromDatabase(() => changeRange(this.db));
      if (after !== undefined) {
        replay = await fromDatabase(() => visibleChangesAfter(this.db, filter, after, this.limits.replayMax + 1));
      }
      if (this.closed) throw new ProblemError('GL_SHUTTING_DOWN', message('cloud.shutting_down'));
    } catch (err) {
      unsubscribe();
      release();
      throw err;
    } finally {
      req.off('close', leave);
    }
    if (gone || req.socket.destroyed) {
      unsubscribe();
      release();
      return;
    }

    openEventStream(req, res);
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
    this.open.add(end);
    req.on('close', end);
    res.on('close', end);
    const guard = guardStreamSession({ userId, signals: this.signals, check, end });
    const heartbeat = setInterval(() => {
      write(': heartbeat\n\n');
      guard.recheck();
    }, this.limits.heartbeatMs);
    heartbeat.unref();
    // A session ended between the request's check and the watch above is caught here.
    guard.recheck();

    // Browsers reconnect after `retry` ms; then come the missed changes, or the position to start from.
    write('retry: 5000\n: connected\n\n');
    replayed = this.head(range, after, replay, write);
    const heard = waiting;
    waiting = undefined;
    if (overflowed) write(reloadFrame(this.feed.position, 'too many changes while connecting'));
    else for (const item of heard) deliver(item);
  }

  /** Writes what the client missed, or where it starts; returns the change numbers sent. */
  private head(
    range: { first: number | null; last: number | null },
    after: number | undefined,
    replay: IncidentChange[],
    write: (chunk: string) => void,
  ): Set<number> {
    const last = range.last ?? 0;
    const sent = new Set<number>();
    if (after === undefined) {
      write(`event: ready\nid: ${last}\ndata: {}\n\n`);
      return sent;
    }
    const reason =
      after > last
        ? 'the stream does not know that id'
        : range.first !== null && after < range.first - 1
          ? 'the changes since are no longer kept'
          : replay.length > this.limits.replayMax
            ? 'too many changes since'
            : undefined;
    if (reason !== undefined) {
      write(reloadFrame(last, reason));
      return sent;
    }
    write('event: ready\ndata: {}\n\n');
    for (const change of replay) {
      write(changeFrame(change));
      sent.add(change.seq);
    }
    return sent;
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const end of [...this.open]) end();
  }
}
