import { IncidentStreamChange, IncidentStreamReload, parseJsonObject, parseWith } from '@gridlink/protocol';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { z } from 'zod';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from '../kit/backoff.js';
import type { ConnectionState } from '../kit/connection-state.js';
import type { CloudLink } from './cloud-link.js';
import { CloudProblem, problemOf } from './cloud-problem.js';
import { failureReason } from './failure-reason.js';

export interface IncidentStreamOptions {
  /** The cloud, with the token it is called with (a `gridlink-cloud` config node's link). */
  cloud: CloudLink;
  /** Where a previous run stopped (the last event id it delivered): missed changes are replayed. */
  lastEventId?: string;
  /** Delays between tries after a drop or a refusal; default 1 s doubling to 60 s. */
  backoff?: BackoffOptions;
  /**
   * No byte for this long and the connection is taken for dead (a cut the socket did not notice);
   * the cloud sends a heartbeat every 25 s. Default 60 s.
   */
  idleMs?: number;
  /** Each change once, in the order the cloud sent them, with its event id (the change number). */
  onChange(change: IncidentStreamChange, eventId: string): void;
  /** Changes were missed beyond what the cloud keeps: read the incidents list again. */
  onReload?(reason: string, eventId: string): void;
  /**
   * Where the stream stands: `error` with the reason (the cloud's problem, e.g. `401
   * GL_UNAUTHENTICATED: …`, or why it could not be reached) and when it tries again, then
   * `reconnecting`, `connected` once the cloud said the stream is ready.
   */
  onStatus?(status: ConnectionState): void;
  /** A frame that is not what the protocol says (skipped, the stream goes on). */
  onInvalid?(error: Error): void;
}

/** Event ids remembered to drop repeats: far more than the cloud replays on a resume (500). */
const REMEMBERED = 10_000;

/**
 * The cloud's live incident stream (`GET /api/v1/incidents/stream`, Server-Sent Events). It
 * reconnects with backoff after a drop or a refusal, resumes with `Last-Event-ID` from the last
 * event received so nothing is lost, and hands on each change once: ids already delivered are
 * remembered across reconnects and a repeat is dropped.
 */
export class IncidentStreamClient {
  private running = false;
  private loop: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private lastId: string | undefined;
  private readonly seen = new Set<string>();
  private readonly backoff: Backoff;

  constructor(private readonly options: IncidentStreamOptions) {
    this.lastId = options.lastEventId;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** The id of the last event received: where a reconnect resumes. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.controller?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    this.options.onStatus?.({ state: 'connecting' });
    while (this.running) {
      let failure: unknown;
      try {
        await this.connectOnce();
        failure = new Error('the cloud ended the stream');
      } catch (error) {
        failure = error;
      }
      if (!this.running) break;
      const retryInMs = Math.max(this.backoff.next(), retryAfterMs(failure));
      this.options.onStatus?.({ state: 'error', reason: failureReason(failure), retryInMs });
      await this.sleep(retryInMs);
      if (!this.running) break;
      this.options.onStatus?.({ state: 'reconnecting', attempt: this.backoff.attempts + 1 });
    }
    this.options.onStatus?.({ state: 'closed' });
  }

  private async connectOnce(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
    const response = await this.options.cloud.fetch('api/v1/incidents/stream', { headers, signal: controller.signal });
    if (!response.ok) throw await problemOf(response);
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await response.body?.cancel();
      throw new Error(
        `expected an event stream, received ${response.headers.get('content-type') ?? 'no content type'}`,
      );
    }
    const parser = createParser({
      onEvent: (event) => this.frame(event),
      onError: (error) => this.options.onInvalid?.(error),
    });
    const idleMs = this.options.idleMs ?? 60_000;
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error(`nothing heard for ${idleMs / 1000} s`)), idleMs);
      idle.unref();
    };
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      touch();
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return;
        touch();
        parser.feed(chunk.value);
      }
    } catch (error) {
      // An abort for silence carries its reason; reading after a cut fails with the socket's error.
      throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : error;
    } finally {
      clearTimeout(idle);
      await reader.cancel().catch(() => undefined);
    }
  }

  private frame(event: EventSourceMessage): void {
    if (event.event === 'ready') {
      // A fresh stream says where it starts; a resumed one has no id and keeps the position.
      if (event.id !== undefined && event.id !== '') this.lastId = event.id;
      this.backoff.reset();
      this.options.onStatus?.({ state: 'connected' });
      return;
    }
    if (event.id === undefined || event.id === '') return;
    this.lastId = event.id;
    if (event.event === 'reload') {
      const reload = parseData(IncidentStreamReload, event);
      if (reload instanceof Error) this.options.onInvalid?.(reload);
      else this.options.onReload?.(reload.reason, event.id);
      return;
    }
    if (event.event !== 'incident') return;
    if (this.seen.has(event.id)) return;
    const change = parseData(IncidentStreamChange, event);
    if (change instanceof Error) {
      this.options.onInvalid?.(change);
      return;
    }
    this.remember(event.id);
    this.options.onChange(change, event.id);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > REMEMBERED) {
      // Sets iterate in insertion order: the first is the oldest.
      this.seen.delete(this.seen.values().next().value as string);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function parseData<S extends z.ZodType>(schema: S, event: EventSourceMessage): z.output<S> | Error {
  const context = `incident stream event ${event.id} (${event.event})`;
  const json = parseJsonObject(event.data, context);
  if (!json.ok) return json.error;
  const parsed = parseWith(schema, json.value, context);
  return parsed.ok ? parsed.value : parsed.error;
}

/** A refusal's `Retry-After` (the cloud sends one with 429), in ms; 0 when none. */
function retryAfterMs(error: unknown): number {
  if (!(error instanceof CloudProblem)) return 0;
  const seconds = Number(error.retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
