import { ref } from 'vue';
import { call } from '../api.js';
import { errorText, isNetworkFailure } from '../errors.js';

/**
 * Steps taken while offline (a grid worker in a basement), kept in IndexedDB and sent when the
 * network is back. Only incident transitions are queued: each carries its `request_id`, so a step
 * sent twice is taken once, and its `expected_version`, so a step on an incident that moved
 * meanwhile is refused rather than applied to something the worker did not see. Photos are not
 * queued (an upload needs the network first); the page says so.
 */
export interface QueuedStep {
  key: string;
  incidentId: string;
  body: Record<string, unknown> & { action: string; request_id: string };
  queuedAt: string;
}

/** What happened to queued steps when they were sent: shown by the page, then cleared. */
export interface ReplayOutcome {
  step: QueuedStep;
  error?: string;
}

export const queued = ref(0);
export const outcomes = ref<ReplayOutcome[]>([]);

const DB = 'gridlink-offline';
const STORE = 'steps';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export async function enqueue(incidentId: string, body: QueuedStep['body']): Promise<void> {
  const step: QueuedStep = { key: body.request_id, incidentId, body, queuedAt: new Date().toISOString() };
  await transaction('readwrite', (store) => store.put(step));
  queued.value = (await transaction('readonly', (store) => store.count())) as number;
}

let replaying: Promise<void> | undefined;

/** Sends what was queued, oldest first; stops at the first network failure and tries again later. */
export function replayQueue(): Promise<void> {
  replaying ??= replay().finally(() => {
    replaying = undefined;
  });
  return replaying;
}

async function replay(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const steps = ((await transaction('readonly', (store) => store.getAll()).catch(() => [])) as QueuedStep[]).sort(
    (a, b) => a.queuedAt.localeCompare(b.queuedAt),
  );
  queued.value = steps.length;
  for (const step of steps) {
    try {
      await call('POST', `/incidents/${encodeURIComponent(step.incidentId)}/transitions`, step.body);
      outcomes.value = [...outcomes.value, { step }];
    } catch (err) {
      if (isNetworkFailure(err)) return;
      outcomes.value = [...outcomes.value, { step, error: errorText(err) }];
    }
    await transaction('readwrite', (store) => store.delete(step.key));
    queued.value--;
  }
}

window.addEventListener('online', () => void replayQueue());
