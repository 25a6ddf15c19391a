import type { NodeStatus } from 'node-red';

/** Where a node's link to a Gridlink gateway or cloud stands, as its status shows it. */
export type ConnectionState =
  | { state: 'connecting' }
  | { state: 'connected' }
  /** The last attempt failed; the next one starts after `retryInMs`. */
  | { state: 'error'; reason: string; retryInMs?: number }
  | { state: 'reconnecting'; attempt: number }
  | { state: 'closed' };

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

/** The editor status of a connection state: green connected, red error with the reason, yellow on the way. */
export function connectionStatus(state: ConnectionState): NodeStatus {
  switch (state.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: 'connected' };
    case 'error':
      return {
        fill: 'red',
        shape: 'ring',
        text:
          state.retryInMs === undefined
            ? `error: ${state.reason}`
            : `error: ${state.reason} (retry in ${seconds(state.retryInMs)})`,
      };
    case 'reconnecting':
      return { fill: 'yellow', shape: 'ring', text: `reconnecting (attempt ${state.attempt})` };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: 'connecting' };
    case 'closed':
      return {};
  }
}

/** A red status for a problem of one message (the connection itself may be fine). */
export const errorStatus = (reason: string): NodeStatus => ({ fill: 'red', shape: 'dot', text: `error: ${reason}` });
