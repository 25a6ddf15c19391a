import type { OutboxItem } from './item.js';

/** What changed meanwhile, in lines for the worker, and the request's body redone on the new state. */
export interface ConflictExplanation {
  lines: string[];
  /** The body to send again on what is there now; absent when there is nothing to redo it on. */
  rebase?: (json: unknown) => unknown;
}

type Explainer = (item: OutboxItem) => Promise<ConflictExplanation>;
const explainers = new Map<string, Explainer>();

/** A feature says how a conflict of its kind of request is explained (reads the thing as it is now). */
export function explainConflictsOf(kind: string, explainer: Explainer): void {
  explainers.set(kind, explainer);
}

/** The explanation of a conflicting item; only the server's words when its kind has no explainer. */
export async function explainConflict(item: OutboxItem): Promise<ConflictExplanation> {
  const explainer = explainers.get(item.kind);
  return explainer ? explainer(item) : { lines: [] };
}
