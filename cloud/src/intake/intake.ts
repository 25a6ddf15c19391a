import type { CloudEvent } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { eventKey, insertEvents } from './store.js';
import { type EventVerdict, validateEvent } from './validate.js';

export const MAX_BATCH_EVENTS = 5000;

export type EventStatus = 'accepted' | 'duplicate' | 'rejected';

export interface EventResult {
  id: string;
  status: EventStatus;
  error?: string;
}

/** The community gateway `gatewayId` serves, null when none is on record. */
async function communityOf(db: Db, gatewayId: string): Promise<string | null> {
  const { rows } = await db.query<{ community: string | null }>('SELECT community FROM gateways WHERE id = $1', [
    gatewayId,
  ]);
  return rows[0]?.community ?? null;
}

/**
 * One batch from one gateway: every event validated on its own, the valid ones stored in one
 * statement, one result per event in request order. A duplicate is a success (the gateway may
 * drop it from its outbox); a rejected event will never be accepted as it is. `stored` lists the
 * events this batch added, for what follows from them (alerts become incidents).
 */
export async function ingestBatch(
  db: Db,
  clock: Clock,
  gatewayId: string,
  batch: readonly unknown[],
  /** The gateway's community when the caller has read it already (with the gateway's token): one statement less a batch. */
  known?: { community: string | null },
) {
  const community = known === undefined ? await communityOf(db, gatewayId) : known.community;
  const verdicts: EventVerdict[] = batch.map((value, index) => validateEvent(value, index, gatewayId, community));
  const valid = verdicts.filter((verdict) => verdict.ok);
  const inserted = await insertEvents(db, gatewayId, valid, clock());

  const results: EventResult[] = [];
  const stored: CloudEvent[] = [];
  let accepted = 0;
  for (const verdict of verdicts) {
    if (!verdict.ok) {
      results.push({ id: verdict.id, status: 'rejected', error: verdict.error });
      continue;
    }
    const key = eventKey(verdict.event.source, verdict.event.id);
    // The first occurrence of a key in the batch is the one that was inserted.
    const isNew = inserted.delete(key);
    if (isNew) {
      accepted++;
      stored.push(verdict.event);
    }
    results.push({ id: verdict.event.id, status: isNew ? 'accepted' : 'duplicate' });
  }
  return { results, stored, accepted, duplicates: valid.length - accepted, rejected: verdicts.length - valid.length };
}
