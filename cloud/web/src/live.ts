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

const RETRY_MS = 5000;

/**
 * The signed-in user's live push, read with fetch rather than EventSource: the stream needs the
 * session's bearer token, which EventSource cannot send. It reconnects after the server's `retry`
 * (5 s) when the stream drops, and after every reconnect the page reloads what it shows, since
 * notifications sent meanwhile are not replayed.
 */
export class LiveStream {
  private readonly listeners = new Set<LiveListener>();
  private readonly statusListeners = new Set<StatusListener>();
  private controller: AbortController | undefined;
  private timer: number | undefined;
  connected = false;

  on(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    void this.run(this.controller.signal);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
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
      const response = await fetch('/api/v1/notifications/stream', {
        headers: { accept: 'text/event-stream', ...bearer() },
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
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event !== 'notification' || data.length === 0) return;
    try {
      const notification = JSON.parse(data.join('\n')) as LiveNotification;
      for (const listener of this.listeners) listener(notification);
    } catch {
      // A frame that is not JSON is not ours to show.
    }
  }
}

export const live = new LiveStream();
