import type { EventEmitter } from 'node:events';
import type { Node, NodeStatus } from 'node-red';

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

/**
 * The statuses a node showed, in order, and a wait for the next one that matches (no sleeps):
 * node-red-node-test-helper spies on `status` and emits `call:status` on the node after each call.
 */
export function statusesOf(node: Node) {
  const spy = node.status as unknown as { getCalls(): SpyCall[] };
  const all = (): NodeStatus[] =>
    spy
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => call.args[0] as NodeStatus);
  return {
    all,
    /** The first status from position `from` on that matches; resolves with its position too. */
    waitFor(match: (status: NodeStatus) => boolean, from = 0): Promise<{ status: NodeStatus; index: number }> {
      const events = node as unknown as EventEmitter;
      return new Promise((resolve) => {
        const check = () => {
          const statuses = all();
          for (let index = from; index < statuses.length; index++) {
            const status = statuses[index] as NodeStatus;
            if (match(status)) {
              events.removeListener('call:status', check);
              resolve({ status, index });
              return;
            }
          }
        };
        events.on('call:status', check);
        check();
      });
    },
  };
}

/** The next message a node sends, with what it takes (node-red-node-test-helper's `helper` nodes). */
export function nextMessage<T = Record<string, unknown>>(node: Node): Promise<T> {
  return new Promise((resolve) => (node as unknown as EventEmitter).once('input', (msg: T) => resolve(msg)));
}
