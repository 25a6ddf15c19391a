import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adoptLegacySteps } from './legacy-steps.js';
import { Outbox } from './outbox.js';
import { IndexedDbOutboxStore } from './store.js';

// The pages' texts read the language chosen from localStorage when they load.
vi.hoisted(() => {
  (globalThis as { localStorage?: Pick<Storage, 'getItem'> }).localStorage = { getItem: () => null };
});

const global = globalThis as { indexedDB?: IDBFactory };

function request<T>(made: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    made.onsuccess = () => resolve(made.result);
    made.onerror = () => reject(made.error);
  });
}

describe('steps the earlier queue saved (fake-indexeddb: Node has no IndexedDB)', () => {
  afterEach(() => {
    delete global.indexedDB;
  });

  it('move into the outbox as the signed-in user’s, in the order saved, and the old database goes', async () => {
    const factory = new IDBFactory();
    global.indexedDB = factory;
    const opening = factory.open('gridlink-offline', 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore('steps', { keyPath: 'key' });
    const db = await request(opening);
    const steps = db.transaction('steps', 'readwrite').objectStore('steps');
    steps.put({
      key: 'web-b',
      incidentId: 'inc-1',
      body: { action: 'finish', request_id: 'web-b' },
      queuedAt: '2026-12-06T08:01:00Z',
    });
    steps.put({
      key: 'web-a',
      incidentId: 'inc-1',
      body: { action: 'sign', request_id: 'web-a' },
      queuedAt: '2026-12-06T08:00:00Z',
    });
    await new Promise((done) => {
      steps.transaction.oncomplete = done;
    });
    db.close();

    const outbox = new Outbox({
      store: new IndexedDbOutboxStore(factory),
      transport: { send: async () => ({ ok: false, network: true }) },
      owner: () => 'worker-1',
    });
    await adoptLegacySteps(outbox);
    expect(outbox.list().map((item) => [item.id, item.owner, item.path, item.label.zh])).toEqual([
      ['web-a', 'worker-1', '/incidents/inc-1/transitions', '签收 · inc-1'],
      ['web-b', 'worker-1', '/incidents/inc-1/transitions', '处置完成 · inc-1'],
    ]);
    expect((await factory.databases()).map((info) => info.name)).not.toContain('gridlink-offline');
    // Once only: nothing more to adopt the next time.
    await adoptLegacySteps(outbox);
    expect(outbox.list()).toHaveLength(2);
  });
});
