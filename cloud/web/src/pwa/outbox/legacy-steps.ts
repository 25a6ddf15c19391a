import { actionTexts } from '../../i18n.js';
import type { OutboxItem } from './item.js';
import type { Outbox } from './outbox.js';

/** A step the pages queued before the outbox (database `gridlink-offline`). */
interface LegacyStep {
  key: string;
  incidentId: string;
  body: { action: string; request_id: string };
  queuedAt: string;
}

const LEGACY_DB = 'gridlink-offline';

/**
 * Steps saved offline by the pages' earlier queue move into the outbox once, as the signed-in
 * user's (that queue kept no owner), so an update of the pages loses none of them.
 */
export async function adoptLegacySteps(outbox: Outbox): Promise<void> {
  if (typeof indexedDB === 'undefined' || !indexedDB.databases) return;
  const names = (await indexedDB.databases()).map((db) => db.name);
  if (!names.includes(LEGACY_DB)) return;
  const steps = await new Promise<LegacyStep[]>((resolve, reject) => {
    const request = indexedDB.open(LEGACY_DB);
    request.onsuccess = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('steps')) {
        db.close();
        resolve([]);
        return;
      }
      const read = db.transaction('steps').objectStore('steps').getAll();
      read.onsuccess = () => {
        db.close();
        resolve(read.result as LegacyStep[]);
      };
      read.onerror = () => reject(read.error);
    };
    request.onerror = () => reject(request.error);
  });
  const known = new Set(outbox.list().map((item: OutboxItem) => item.id));
  const fresh = steps
    .filter((step) => !known.has(step.body.request_id))
    .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  if (fresh.length > 0) {
    await outbox.enqueue(
      fresh.map((step) => ({
        id: step.body.request_id,
        kind: 'incident.transition',
        subject: step.incidentId,
        label: {
          zh: `${actionTexts(step.body.action).zh} · ${step.incidentId}`,
          en: `${actionTexts(step.body.action).en} · ${step.incidentId}`,
        },
        method: 'POST' as const,
        path: `/incidents/${encodeURIComponent(step.incidentId)}/transitions`,
        body: { json: step.body },
      })),
    );
  }
  await new Promise((resolve) => {
    const gone = indexedDB.deleteDatabase(LEGACY_DB);
    gone.onsuccess = gone.onerror = gone.onblocked = resolve;
  });
}
