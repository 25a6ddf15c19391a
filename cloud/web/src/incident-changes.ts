import type { Incident } from './api.js';
import { type SseFrame, SseStream } from './live.js';

/** One `event: incident` of `/incidents/stream`: a list row's keys, as they are now. */
export interface IncidentChange {
  id: string;
  version: number;
  state: Incident['state'];
  category: string;
  severity: Incident['severity'];
  grid: string | null;
  community: string | null;
  updated_at: string;
}

/** A change, or `reload`: the server could not send all that was missed, so read the list again. */
export type ChangeListener = (change: IncidentChange | 'reload') => void;

/**
 * Created and changed incidents of the user's list as they happen (any cloud replica), opened by
 * the list page while it is shown. After a drop it resumes from the last change received.
 */
export class IncidentChangeStream extends SseStream {
  private readonly listeners = new Set<ChangeListener>();

  constructor() {
    super('/api/v1/incidents/stream', true);
  }

  on(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected handle(frame: SseFrame): void {
    if (frame.event === 'reload') {
      for (const listener of this.listeners) listener('reload');
      return;
    }
    if (frame.event !== 'incident') return;
    try {
      const change = JSON.parse(frame.data) as IncidentChange;
      for (const listener of this.listeners) listener(change);
    } catch {
      // A frame that is not JSON is not ours to show.
    }
  }
}

export const incidentChanges = new IncidentChangeStream();
