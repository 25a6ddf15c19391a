/**
 * Callbacks for `npm start`: a couple of incidents a grid worker reported on patrol, taken through
 * the whole loop by the people whose steps they are (the dispatcher accepts, files and dispatches,
 * the worker signs and finishes, the dispatcher checks and closes), so the callback agent's queue
 * has work when they sign in. Every step goes through the cloud's API; a run adds its own.
 */
import type { CloudCaller } from '@gridlink/simulators';

export interface CallbackSeed {
  dispatcher: CloudCaller;
  worker: CloudCaller;
  community: string;
  grid: string;
  /** Makes this run's request ids its own. */
  runId: string;
  count?: number;
}

const TITLES = ['楼道堆放杂物已清理', '小区路灯不亮已修复', '井盖松动已更换'];

/** Closes `count` (default 2) incidents that then wait for a callback; returns their ids. */
export async function closeForCallback(seed: CallbackSeed): Promise<string[]> {
  const { dispatcher, worker } = seed;
  const me = await worker<{ id: string }>('GET', '/me');
  const closed: string[] = [];
  for (let n = 0; n < (seed.count ?? 2); n++) {
    const title = TITLES[n % TITLES.length] as string;
    const reported = await worker<{ incident: { id: string } }>('POST', '/incidents', {
      request_id: `start-callback-${seed.runId}-${n}`,
      source: 'patrol',
      category: 'other',
      title,
      community: seed.community,
      grid: seed.grid,
    });
    const id = reported.incident.id;
    const step = (call: CloudCaller, action: string, data?: Record<string, unknown>) =>
      call('POST', `/incidents/${encodeURIComponent(id)}/transitions`, {
        action,
        request_id: `start-callback-${seed.runId}-${n}-${action}`,
        ...(data ? { data } : {}),
      });
    await step(dispatcher, 'accept');
    await step(dispatcher, 'file');
    // Automatic dispatch may give it to the grid's on-duty worker (this worker) first: then that stands.
    await step(dispatcher, 'dispatch', { assignee: me.id }).catch(async (err: unknown) => {
      const now = await dispatcher<{ incident: { state: string } }>('GET', `/incidents/${encodeURIComponent(id)}`);
      if (now.incident.state !== 'DISPATCHED') throw err;
    });
    await step(worker, 'sign');
    await step(worker, 'finish');
    await step(dispatcher, 'startCheck');
    await step(dispatcher, 'pass');
    await step(dispatcher, 'close');
    closed.push(id);
  }
  return closed;
}
