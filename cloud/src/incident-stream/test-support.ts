import { expect } from 'vitest';
import { signedIn } from '../people/test-support.js';
import type { RunningCloud } from '../start.js';
import { api } from '../test-support.js';

export const COMMUNITY = '320803001001';
export const GRID_1 = '320803001001001';
export const GRID_2 = '320803001001002';

export interface Frame {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

export interface OpenStream {
  status: number;
  frames: Frame[];
  /** The next frame of `event` after those already taken, optionally matching `where`. */
  next(event: string, where?: (frame: Frame) => boolean): Promise<Frame>;
  /** Resolves once `count` more heartbeat comments have been read off the stream. */
  heartbeats(count: number): Promise<void>;
  /** Resolves when the server has ended the stream (or cut it), with the frames read by then. */
  ended(): Promise<Frame[]>;
  close(): Promise<void>;
}

/** `GET /incidents/stream` over real HTTP, parsed as Server-Sent Events; reading starts on demand. */
export async function openStream(cloud: RunningCloud, token: string, lastEventId?: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${cloud.url}/api/v1/incidents/stream`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
    signal: controller.signal,
  });
  const frames: Frame[] = [];
  const taken = new Set<Frame>();
  let buffer = '';
  let done = false;
  let heartbeats = 0;
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  const readMore = async (): Promise<boolean> => {
    if (!reader || done) return false;
    try {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        return false;
      }
      buffer += chunk.value;
    } catch {
      done = true;
      return false;
    }
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (block.split('\n').includes(': heartbeat')) heartbeats++;
      const frame: Frame = { event: 'message', id: undefined, data: {} };
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('id: ')) frame.id = line.slice(4);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data === undefined) continue;
      frame.data = JSON.parse(data) as Record<string, unknown>;
      frames.push(frame);
    }
    return true;
  };
  return {
    status: response.status,
    frames,
    async next(event, where = () => true) {
      for (;;) {
        const found = frames.find((frame) => !taken.has(frame) && frame.event === event && where(frame));
        if (found) {
          taken.add(found);
          return found;
        }
        if (!(await readMore()))
          throw new Error(`the stream ended before an ${event} event: ${JSON.stringify(frames)}`);
      }
    },
    async heartbeats(count) {
      const target = heartbeats + count;
      while (heartbeats < target) {
        if (!(await readMore())) throw new Error(`the stream ended before ${count} heartbeats`);
      }
    },
    async ended() {
      while (await readMore()) {}
      return frames;
    },
    async close() {
      controller.abort();
      await reader?.cancel().catch(() => undefined);
    },
  };
}

/** People of one community: its operator, and grid workers of grids 001 and 002. */
export async function people(cloud: RunningCloud, prefix: string) {
  const operator = await signedIn(cloud, `${prefix}-operator`, [{ role: 'operator', scope: COMMUNITY }]);
  const worker1 = await signedIn(cloud, `${prefix}-worker-1`, [{ role: 'grid_worker', scope: GRID_1 }]);
  const worker2 = await signedIn(cloud, `${prefix}-worker-2`, [{ role: 'grid_worker', scope: GRID_2 }]);
  return { operator: operator.token, worker1: worker1.token, worker2: worker2.token };
}

let reports = 0;

/** Reports an incident in `grid` through the API (as the community's operator); returns its id. */
export async function report(
  cloud: RunningCloud,
  operatorToken: string,
  grid: string,
  title = '楼道堆物',
): Promise<string> {
  reports++;
  const response = await api<{ incident: { id: string } }>(cloud, 'POST', '/api/v1/incidents', {
    token: operatorToken,
    body: {
      request_id: `stream-${process.pid}-${Date.now()}-${reports}`,
      source: 'hotline_12345',
      category: 'other',
      title,
      community: COMMUNITY,
      grid,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.incident.id;
}
