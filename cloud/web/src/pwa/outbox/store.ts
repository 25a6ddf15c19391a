import type { OutboxItem } from './item.js';

/** Where the outbox keeps its items between page loads. */
export interface OutboxStore {
  all(): Promise<OutboxItem[]>;
  /** Writes all or none (a step and the photos it names are queued together). */
  put(items: OutboxItem[]): Promise<void>;
  remove(ids: string[]): Promise<void>;
}

/**
 * The phone's storage is full (or the browser refuses more for this site): the request was NOT
 * saved, and the page must say so rather than let the worker believe it was.
 */
export class StorageFull extends Error {
  constructor(cause: unknown) {
    super('the phone’s storage for this site is full', { cause });
    this.name = 'StorageFull';
  }
}

export const isQuotaError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { name?: string }).name === 'QuotaExceededError';

const DB = 'gridlink-outbox';
const STORE = 'items';

function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The outbox in IndexedDB: photos are stored as the Blobs they are, no base64. */
export class IndexedDbOutboxStore implements OutboxStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory = indexedDB) {}

  private database(): Promise<IDBDatabase> {
    this.db ??= openDb(this.factory).catch((err: unknown) => {
      this.db = undefined;
      throw err;
    });
    return this.db;
  }

  private async run(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => IDBRequest | undefined,
  ): Promise<unknown> {
    const db = await this.database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let request: IDBRequest | undefined;
      try {
        request = work(tx.objectStore(STORE));
      } catch (err) {
        tx.abort();
        reject(isQuotaError(err) ? new StorageFull(err) : err);
        return;
      }
      tx.oncomplete = () => resolve(request?.result);
      // A quota error can surface on the request or only on the transaction's abort.
      const fail = () => {
        const err = tx.error ?? request?.error;
        reject(isQuotaError(err) ? new StorageFull(err) : err);
      };
      tx.onerror = fail;
      tx.onabort = fail;
    });
  }

  async all(): Promise<OutboxItem[]> {
    return (await this.run('readonly', (store) => store.getAll())) as OutboxItem[];
  }

  async put(items: OutboxItem[]): Promise<void> {
    await this.run('readwrite', (store) => {
      for (const item of items) store.put(item);
      return undefined;
    });
  }

  async remove(ids: string[]): Promise<void> {
    await this.run('readwrite', (store) => {
      for (const id of ids) store.delete(id);
      return undefined;
    });
  }
}

/** For tests and for browsers without IndexedDB: kept in memory only. */
export class MemoryOutboxStore implements OutboxStore {
  readonly items = new Map<string, OutboxItem>();
  async all(): Promise<OutboxItem[]> {
    return [...this.items.values()].map((item) => ({ ...item }));
  }
  async put(items: OutboxItem[]): Promise<void> {
    for (const item of items) this.items.set(item.id, { ...item });
  }
  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.items.delete(id);
  }
}
