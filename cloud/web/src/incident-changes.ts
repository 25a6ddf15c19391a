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
 * the pages that show incidents while they are shown. After a drop it resumes from the last change received.
 */
export class IncidentChangeStream extends SseStream {
  private readonly listeners = new Set<ChangeListener>();
  /** The pages that need the stream now. */
  private pages = 0;

  constructor() {
    super('/api/v1/incidents/stream', true);
  }

  /**
   * Opens the stream for a page (the list, an incident) until the page releases it. It stays open
   * while any page needs it: going from the list to an incident, the list is unmounted after the
   * incident's page has started, which would otherwise close the stream under it.
   */
  acquire(): () => void {
    this.pages += 1;
    this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pages -= 1;
      if (this.pages === 0) this.stop();
    };
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
