import { bearer, sessionEnded } from './api.js';

/** One notification of the live push (`event: notification` of `/notifications/stream`). */
export interface LiveNotification {
  key: string;
  incident_id: string;
  title: { zh: string; en: string };
  text: { zh: string; en: string };
  severity: string;
  urgent: boolean;
  at: string;
}

export type LiveListener = (notification: LiveNotification) => void;
export type StatusListener = (connected: boolean) => void;

/** One event of a Server-Sent Events stream: its name, its `id:` if it had one, its data. */
export interface SseFrame {
  event: string;
  id: string | undefined;
  data: string;
}

const RETRY_MS = 5000;

/**
 * A Server-Sent Events stream of the cloud, read with fetch rather than EventSource: the streams
 * need the session's bearer token, which EventSource cannot send. It reconnects after the server's
 * `retry` (5 s) when the stream drops; with `resume`, it sends back the last `id:` it received as
 * `Last-Event-ID`, as EventSource would, so the server can send what was missed.
 */
export abstract class SseStream {
  private readonly statusListeners = new Set<StatusListener>();
  private controller: AbortController | undefined;
  private timer: number | undefined;
  private lastEventId: string | undefined;
  connected = false;

  constructor(
    private readonly path: string,
    private readonly resume: boolean,
  ) {}

  protected abstract handle(frame: SseFrame): void;

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    void this.run(this.controller.signal);
  }

  /** Closes the stream; the next start is a fresh one (whoever starts it reads everything anew). */
  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.lastEventId = undefined;
    clearTimeout(this.timer);
    this.setConnected(false);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const listener of this.statusListeners) listener(connected);
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...bearer() };
      if (this.resume && this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
      const response = await fetch(this.path, {
        headers,
        signal,
      });
      if (response.status === 401) {
        // Retrying cannot help: the session ended.
        this.stop();
        sessionEnded();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        // The comment line the server writes first marks the stream open.
        if (!this.connected && buffer.includes('\n\n')) this.setConnected(true);
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // A dropped or refused stream is retried below; the status shows it meanwhile.
    }
    this.setConnected(false);
    if (signal.aborted) return;
    this.timer = window.setTimeout(() => {
      if (!signal.aborted) void this.run(signal);
    }, RETRY_MS);
  }

  private frame(frame: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    // As in EventSource: an id counts even on a frame without data.
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) return;
    this.handle({ event, id, data: data.join('\n') });
  }
}

/** The signed-in user's live push. Notifications sent while it was down are not replayed: pages reload. */
export class LiveStream extends SseStream {
  private readonly listeners = new Set<LiveListener>();

  constructor() {
    super('/api/v1/notifications/stream', false);
  }

  on(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected handle(frame: SseFrame): void {
    if (frame.event !== 'notification') return;
    try {
      const notification = JSON.parse(frame.data) as LiveNotification;
      for (const listener of this.listeners) listener(notification);
    } catch {
      // A frame that is not JSON is not ours to show.
    }
  }
}

export const live = new LiveStream();
