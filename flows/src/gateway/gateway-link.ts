import type { Node } from 'node-red';
import type { ConnectionState } from '../kit/connection-state.js';
import type { GatewayDevice } from './device-directory.js';

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  retained: boolean;
}

/**
 * What a `gridlink-gateway` config node offers the nodes that use it: one shared MQTT session to
 * the gateway. Nodes are bundled apart, so they meet only through this interface on the config
 * node instance.
 */
export interface GatewayLink {
  readonly baseTopic: string;
  readonly state: ConnectionState;
  /** Calls `listener` with the current state at once, then on every change; returns the remover. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Subscribes while any handler wants `filter`; returns the remover. Refusals reach `onRefused`. */
  subscribe(
    filter: string,
    onMessage: (message: IncomingMessage) => void,
    onRefused?: (reason: string) => void,
  ): () => void;
  /** Publishes at QoS 1 and resolves once the gateway acknowledged it; refuses when not connected. */
  publish(topic: string, payload: string): Promise<void>;
  /**
   * A bridge request (`<base>/bridge/request/<command>`): resolves with the `data` of an `ok`
   * response, rejects with the gateway's error, or when no answer comes within `timeoutMs`.
   */
  request(command: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** A device on the gateway's record (kind, place, tags), or undefined when it has none of that id. */
  device(id: string): Promise<GatewayDevice | undefined>;
}

export interface GatewayConfigNode extends Node {
  link: GatewayLink;
}

/** The gateway config node a node names, or a reason it cannot be used. */
export function gatewayLinkOf(
  getNode: (id: string) => Node | null | undefined,
  id: string | undefined,
): GatewayLink | string {
  if (!id) return 'no gateway: choose a gridlink-gateway config node';
  const node = getNode(id) as GatewayConfigNode | null | undefined;
  if (node?.type !== 'gridlink-gateway' || !node.link) return `gateway config node ${id} is missing`;
  return node.link;
}
