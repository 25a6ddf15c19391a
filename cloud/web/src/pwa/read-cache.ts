import { ref } from 'vue';
import { call, Problem, session } from '../api.js';
import { isQuotaError } from './outbox/store.js';

/**
 * What the phone read last, kept so a reload without signal still shows the worker's incident list
 * and every incident they opened. An IndexedDB read-through cache in the pages' data layer rather
 * than the service worker's: the API takes bearer tokens, so the page knows whose answer it is and
 * keys each entry by the signed-in user (the service worker would see only URLs); the page knows when
 * an answer is stale and says so; and IndexedDB works on a plain-HTTP district LAN where a service
 * worker may not run. Entries are the user's only: sign-out clears them, and signing in as someone
 * else clears the previous user's (a shared phone).
 */

interface Entry {
  key: string;
  owner: string;
  path: string;
  value: unknown;
  savedAt: string;
}

/** A read: the answer, and when it was saved if it came from the phone rather than the network. */
export interface Read<T> {
  value: T;
  /** Set when the network failed and this is what was read at that time. */
  savedAt?: string;
}

/** The phone had no room for the latest answer: the pending panel says so (offline, an older one would show). */
export const readCacheFull = ref(false);

const DB = 'gridlink-reads';
const STORE = 'reads';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest | undefined): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request?.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const keyOf = (owner: string, path: string) => `${owner}\u0000${path}`;
const available = () => typeof indexedDB !== 'undefined';

/**
 * `GET path` through the API; its answer is kept for the signed-in user. Without an answer
 * (offline) the kept one comes back with the time it was read; a refusal is never replaced by it.
 */
export async function readThrough<T>(path: string): Promise<Read<T>> {
  const owner = session()?.user.id;
  try {
    const value = await call<T>('GET', path);
    if (owner && available()) {
      const entry: Entry = { key: keyOf(owner, path), owner, path, value, savedAt: new Date().toISOString() };
      // A full phone only loses the offline copy (the page has its answer), and is told so.
      await run('readwrite', (store) => store.put(entry)).then(
        () => {
          readCacheFull.value = false;
        },
        (failure: unknown) => {
          if (isQuotaError(failure)) readCacheFull.value = true;
        },
      );
    }
    return { value };
  } catch (err) {
    if (err instanceof Problem || !owner || !available()) throw err;
    const entry = await run<Entry | undefined>('readonly', (store) => store.get(keyOf(owner, path))).catch(
      () => undefined,
    );
    if (!entry || entry.owner !== owner) throw err;
    return { value: entry.value as T, savedAt: entry.savedAt };
  }
}

/** Forgets what was read: everyone's (sign-out), or everyone's but `keep`'s (someone signed in). */
export async function forgetReads(keep?: string): Promise<void> {
  if (!available()) return;
  await run('readwrite', (store) => {
    const cursor = store.openCursor();
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at) return;
      if ((at.value as Entry).owner !== keep) at.delete();
      at.continue();
    };
    return undefined;
  }).catch(() => undefined);
}
