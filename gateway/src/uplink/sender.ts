import type { Logger } from 'pino';
import { Backoff, type MonotonicClock, monotonic } from '../time/backoff.js';
import type { QueuedAttachment } from './attachment-queue.js';
import { type CloudClient, CloudUnreachableError } from './cloud-client.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { RateLimit } from './rate-limit.js';

export type LinkState = 'connecting' | 'online' | 'offline' | 'unauthorized';

export interface SenderOptions {
  outbox: Outbox;
  client: CloudClient;
  logger: Logger;
  batchMaxEvents: number;
  maxEventsPerSecond: number;
  backoff: { initialMs: number; maxMs: number; random?: () => number };
  clock?: MonotonicClock;
  /** How long an idle sender waits before looking at the outbox again without being woken. */
  idleMs?: number;
  /** The ids the cloud took (accepted or duplicate), batch by batch: the commissioning drill's hop. */
  onDelivered?: (ids: string[]) => void;
}

export interface SenderStats {
  link: LinkState;
  sent: number;
  duplicates: number;
  quarantined: number;
  /** Failed delivery attempts (each retry of a batch counts once). */
  retries: number;
  lastError: string | null;
}

interface EventResult {
  id: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  error?: string;
}

function resultsOf(body: unknown, entries: readonly OutboxEntry[]): EventResult[] | null {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== entries.length) return null;
  const valid = results.every(
    (result: Partial<EventResult>, index) =>
      result?.id === entries[index]?.id && ['accepted', 'duplicate', 'rejected'].includes(result?.status ?? ''),
  );
  return valid ? (results as EventResult[]) : null;
}

const problemText = (body: unknown) => {
  const problem = body as { code?: string; detail?: string; title?: string } | null;
  if (typeof problem === 'object' && problem !== null) {
    return [problem.code, problem.detail ?? problem.title].filter(Boolean).join(': ') || JSON.stringify(body);
  }
  return String(body).slice(0, 200);
};

/**
 * Moves the outbox to the cloud: one batch in flight at a time (so each device's order holds),
 * most urgent lanes first, rate-limited so a backlog does not flood the cloud. The cloud answers
 * per event: accepted or duplicate leave the outbox; rejected ones (invalid, will never pass) are
 * quarantined with the cloud's error. A failed request is retried after a backoff with jitter on
 * the monotonic clock, and its events are then marked as replays.
 */
export class UplinkSender {
  private running = false;
  private loop?: Promise<void>;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;
  private readonly backoff: Backoff;
  private readonly rate: RateLimit;
  private batchLimit: number;
  private readonly stats_: SenderStats = {
    link: 'connecting',
    sent: 0,
    duplicates: 0,
    quarantined: 0,
    retries: 0,
    lastError: null,
  };

  constructor(private readonly options: SenderOptions) {
    this.backoff = new Backoff(options.backoff);
    this.rate = new RateLimit(options.maxEventsPerSecond, options.clock ?? monotonic);
    this.batchLimit = options.batchMaxEvents;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New events are waiting: an idle sender goes now (a sender backing off keeps waiting). */
  notify(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wakeUp?.();
    await this.loop;
  }

  stats(): SenderStats {
    return { ...this.stats_ };
  }

  private async run(): Promise<void> {
    const { outbox } = this.options;
    while (this.running) {
      // Camera snapshots leave after alarms and state changes, before telemetry summaries.
      const attachment = outbox.hasUrgent() ? undefined : outbox.attachments.next();
      if (attachment) {
        const delay = await this.upload(attachment);
        if (delay > 0) await this.sleep(delay, false);
        continue;
      }
      const entries = outbox.nextBatch(Math.max(1, Math.min(this.batchLimit, this.options.maxEventsPerSecond)));
      if (entries.length === 0) {
        await this.sleep(this.options.idleMs ?? 1000, true);
        continue;
      }
      const delay = await this.send(entries);
      if (delay > 0) await this.sleep(delay, false);
      else {
        const throttle = this.rate.take(entries.length);
        if (throttle > 0) await this.sleep(throttle, false);
      }
    }
  }

  /** Sends one batch; returns how long to wait before the next attempt (0 after a success). */
  private async send(entries: OutboxEntry[]): Promise<number> {
    const { outbox, client } = this.options;
    const seqs = entries.map((entry) => entry.seq);
    let response: Awaited<ReturnType<CloudClient['postEvents']>>;
    try {
      response = await client.postEvents(`[${entries.map((entry) => entry.json).join(',')}]`, this.abort.signal);
    } catch (err) {
      if (!this.running) return 0;
      return this.failed(seqs, 'offline', err instanceof CloudUnreachableError ? err.message : String(err));
    }
    const { status, body } = response;
    if (status === 200) {
      const results = resultsOf(body, entries);
      if (!results) return this.failed(seqs, 'offline', 'the cloud answered 200 without one result per event');
      const delivered: number[] = [];
      const deliveredIds: string[] = [];
      for (const [index, result] of results.entries()) {
        const entry = entries[index] as OutboxEntry;
        if (result.status === 'rejected') {
          outbox.quarantine(entry.seq, result.error ?? 'rejected by the cloud');
          this.stats_.quarantined++;
          this.options.logger.error(
            { event: entry.id, error: result.error },
            'the cloud refused an event as invalid: quarantined (bridge/request/outbox/quarantined lists it, outbox/resend sends it again)',
          );
        } else {
          delivered.push(entry.seq);
          deliveredIds.push(entry.id);
          if (result.status === 'duplicate') this.stats_.duplicates++;
          else this.stats_.sent++;
        }
      }
      outbox.acknowledge(delivered);
      if (deliveredIds.length > 0) this.options.onDelivered?.(deliveredIds);
      this.batchLimit = Math.min(this.options.batchMaxEvents, this.batchLimit * 2);
      this.backoff.reset();
      this.setLink('online', null);
      return 0;
    }
    if (status === 401 || status === 403 || status === 404) {
      return this.failed(seqs, 'unauthorized', `HTTP ${status} ${problemText(body)}`);
    }
    if (status === 400 || status === 413 || status === 422) {
      // The request as a whole was refused. Halve the batch until the event that causes it is
      // alone; an event refused on its own is quarantined, so it never blocks those behind it.
      if (entries.length > 1) {
        this.batchLimit = Math.max(1, Math.floor(entries.length / 2));
        return 0;
      }
      const [entry] = entries as [OutboxEntry];
      outbox.quarantine(entry.seq, `HTTP ${status} ${problemText(body)}`);
      this.stats_.quarantined++;
      return 0;
    }
    return this.failed(seqs, 'offline', `HTTP ${status} ${problemText(body)}`);
  }

  /** Sends one snapshot; returns how long to wait before the next attempt (0 after an answer). */
  private async upload(attachment: QueuedAttachment): Promise<number> {
    const { outbox, client, logger } = this.options;
    const { upload } = attachment;
    let response: Awaited<ReturnType<CloudClient['postAttachment']>>;
    try {
      response = await client.postAttachment(upload, attachment.mediaType, attachment.content, this.abort.signal);
    } catch (err) {
      if (!this.running) return 0;
      outbox.attachments.attempted(attachment.seq);
      return this.failed([], 'offline', err instanceof CloudUnreachableError ? err.message : String(err));
    }
    const { status, body } = response;
    const code = (body as { code?: string } | null)?.code;
    if (status === 200 || status === 201) {
      outbox.attachments.sent(attachment.seq);
      this.backoff.reset();
      this.setLink('online', null);
      return 0;
    }
    if (status === 401 || status === 403 || (status === 404 && code === 'GL_GATEWAY_NOT_FOUND')) {
      outbox.attachments.attempted(attachment.seq);
      return this.failed([], 'unauthorized', `HTTP ${status} ${problemText(body)}`);
    }
    if (status === 400 || status === 404 || status === 413 || status === 415 || status === 422) {
      const error = `HTTP ${status} ${problemText(body)}`;
      outbox.attachments.refused(attachment.seq, error);
      logger.error(
        { upload: upload.upload_id, device: upload.device_id, alert: upload.alert_id, error },
        'the cloud refused a camera snapshot: dropped',
      );
      this.setLink('online', null);
      return 0;
    }
    outbox.attachments.attempted(attachment.seq);
    return this.failed([], 'offline', `HTTP ${status} ${problemText(body)}`);
  }

  private failed(seqs: number[], link: LinkState, error: string): number {
    this.options.outbox.attempted(seqs);
    this.stats_.retries++;
    this.setLink(link, error);
    const delay = this.backoff.next();
    this.options.logger.debug({ error, retry_in_ms: delay, attempt: this.backoff.attempts }, 'uplink retry');
    return delay;
  }

  private setLink(link: LinkState, error: string | null): void {
    this.stats_.lastError = error;
    this.options.outbox.setLive(link === 'online');
    if (this.stats_.link === link) return;
    const previous = this.stats_.link;
    this.stats_.link = link;
    // State transitions are logged once, never every retry.
    if (link === 'online') this.options.logger.info({ previous }, 'cloud link up');
    else if (link === 'unauthorized')
      this.options.logger.error({ error }, 'the cloud refuses this gateway: check uplink.token and gateway.id');
    else this.options.logger.warn({ error }, 'cloud link down: events are kept in the outbox');
  }

  /** Sleeps on the monotonic clock (setTimeout); `wakeable` sleeps end early on notify(). */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        if (!wakeable && this.running) return;
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
