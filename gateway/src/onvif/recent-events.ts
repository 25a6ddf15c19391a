/** One camera event as the console lists it. */
export interface RecentCameraEvent {
  type: string;
  /** When the camera saw it (ISO 8601), after clock correction. */
  ts: string;
  /** The event's fields (state, rule, snapshot reference…), as sent on the ingest path. */
  payload: Record<string, unknown>;
}

/**
 * The last hour of each camera's mapped events, in memory for the console: at most `perCamera`
 * events each (the newest kept), so a camera reporting motion all night costs a bounded amount.
 */
export class RecentEvents {
  private readonly byCamera = new Map<string, Array<RecentCameraEvent & { at: number }>>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 3_600_000,
    private readonly perCamera = 50,
  ) {}

  add(cameraId: string, type: string, payload: Record<string, unknown>): RecentCameraEvent {
    const list = this.byCamera.get(cameraId) ?? [];
    const ts = typeof payload.ts === 'string' ? payload.ts : new Date(this.now()).toISOString();
    const event = { type, ts, payload, at: this.now() };
    list.push(event);
    if (list.length > this.perCamera) list.splice(0, list.length - this.perCamera);
    this.byCamera.set(cameraId, list);
    return { type, ts, payload };
  }

  /** The camera's events of the last hour, newest first. */
  of(cameraId: string): RecentCameraEvent[] {
    const list = this.byCamera.get(cameraId) ?? [];
    const since = this.now() - this.windowMs;
    while (list.length > 0 && (list[0]?.at ?? 0) < since) list.shift();
    return list.map(({ type, ts, payload }) => ({ type, ts, payload })).reverse();
  }

  forget(cameraId: string): void {
    this.byCamera.delete(cameraId);
  }
}
