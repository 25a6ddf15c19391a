/**
 * One request the phone keeps until the server has it: the shapes the outbox stores in IndexedDB.
 * Everything here is structured-cloneable (a photo is a Blob), so an item survives a reload as is.
 */

/** pending: waits its turn; sending: on the wire; sent: the server took it; refused: the server said
 * no (its words kept); conflict: someone changed the thing meanwhile (409), kept until the worker decides. */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'refused' | 'conflict';

/** What the server said when it refused: the problem's code and its text in the page's language. */
export interface OutboxProblem {
  status: number;
  code: string;
  text: string;
  /** Per-field details (JSON pointers), for a form that is still open to show beside its fields. */
  errors: Array<{ detail: string; pointer?: string; parameter?: string }>;
}

/** A JSON body, or a file as the body itself (a photo upload). */
export type OutboxBody = { json: unknown } | { blob: Blob; contentType: string } | { none: true };

/**
 * How to tell, before sending an upload again, whether an earlier attempt arrived after all (the
 * answer was lost with the signal): list `path`, and an entry of the array at `pointer` whose
 * `sha256` is the file's is taken as this upload's answer. Uploads carry no request id on the wire.
 */
export interface UploadRecovery {
  path: string;
  pointer: string;
  sha256: string;
}

export interface OutboxItem {
  /** The request id: the idempotency key the server sees, and the key others refer to it by. */
  id: string;
  /** Order of queueing (strictly increasing): items are sent in this order. */
  seq: number;
  /** The user who queued it: sent only with their session, shown only to them. */
  owner: string;
  /** What it is, for the pending panel (`incident.transition`, `incident.attachment`, `patrol.positions`…). */
  kind: string;
  /** What it is about (an incident id): items of one subject wait for each other, others do not. */
  subject: string;
  /** Words for the pending panel, already in both languages (the page knows what it queued). */
  label: { zh: string; en: string };
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under `/api/v1`; may hold `{{ref:<request id>:<pointer>}}` placeholders (see placeholders.ts). */
  path: string;
  body: OutboxBody;
  /** Request ids this one needs sent first (placeholders add theirs on their own). */
  after: string[];
  recovery?: UploadRecovery;
  state: OutboxState;
  attempts: number;
  /** An attempt went out and no answer came back: it may have arrived. */
  unanswered: boolean;
  queuedAt: string;
  nextAttemptAt?: string;
  sentAt?: string;
  /** The server's answer, kept while later items may need it. */
  result?: unknown;
  problem?: OutboxProblem;
}
