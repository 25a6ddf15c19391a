import { computed, ref, shallowRef } from 'vue';
import { signedIn } from '../../state.js';
import type { OutboxItem } from './item.js';
import { adoptLegacySteps } from './legacy-steps.js';
import { type NewRequest, Outbox } from './outbox.js';
import { IndexedDbOutboxStore, MemoryOutboxStore, StorageFull } from './store.js';
import { apiTransport } from './transport.js';

/** Every item on this phone, in queue order (all users'; pages show {@link myOutbox}). */
export const outboxItems = shallowRef<OutboxItem[]>([]);
/** Set when a request could not be saved for lack of room: the panel says so until the next save works. */
export const storageFull = ref(false);

/** The signed-in user's items: on a shared phone nobody sees (or sends) another's. */
export const myOutbox = computed(() => outboxItems.value.filter((item) => item.owner === signedIn.value?.user.id));

const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;

/** The phone pages' one outbox, in IndexedDB (in memory where a browser has none). */
export const outbox = new Outbox({
  store: typeof indexedDB === 'undefined' ? new MemoryOutboxStore() : new IndexedDbOutboxStore(),
  transport: apiTransport,
  owner: () => signedIn.value?.user.id,
  // Two tabs of the pages never send the same item at once.
  ...(locks ? { exclusive: <T>(work: () => Promise<T>) => locks.request('gridlink-outbox', work) as Promise<T> } : {}),
  // Listed as sent for a while after coming back online, so the worker sees it went.
  keepSentMs: 30 * 60_000,
  changed: (items) => {
    outboxItems.value = items;
  },
});

/**
 * Queues requests (all or none) and starts sending them. Throws {@link StorageFull} when the phone
 * could not keep them (and the panel says so): the caller must tell the worker it was not saved.
 */
export async function queue(requests: NewRequest[]): Promise<OutboxItem[]> {
  try {
    const items = await outbox.enqueue(requests);
    storageFull.value = false;
    return items;
  } catch (err) {
    if (err instanceof StorageFull) storageFull.value = true;
    throw err;
  }
}

/** Sends what may go now (the network is back, someone signed in, the worker asked). */
export function sendOutbox(force = true): Promise<void> {
  return outbox.flush(force).catch(() => undefined);
}

/** How often a page looks whether the delay after a failure has passed. */
const TICK_MS = 10_000;
let started: Promise<void> | undefined;

/** Once per page load: read what is kept, then send on every chance (online, a timer, the page shown again). */
export function startOutbox(): Promise<void> {
  started ??= (async () => {
    window.addEventListener('online', () => void sendOutbox());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void sendOutbox(false);
    });
    window.setInterval(() => void sendOutbox(false), TICK_MS);
    await outbox.start().catch(() => undefined);
    await adoptLegacySteps(outbox).catch(() => undefined);
    await sendOutbox();
  })();
  return started;
}
