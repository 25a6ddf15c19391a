import type { Node, NodeMessage } from 'node-red';

/** The text of anything thrown, for a status or a log line (never a stack). */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/**
 * Reports a failure of handling `msg`. Passing the message is what makes Node-RED hand the error
 * to `catch` nodes; the reason goes as text, since Node-RED puts `String(reason)` in
 * msg.error.message and an Error would read "Error: …" there.
 */
export function reportError(node: Node, err: unknown, msg: NodeMessage): void {
  node.error(reasonOf(err), msg);
}
