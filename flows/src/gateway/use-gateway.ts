import type { Node, NodeAPI } from 'node-red';
import { type ConnectionState, connectionStatus } from '../kit/connection-state.js';
import { type GatewayLink, gatewayLinkOf } from './gateway-link.js';

/**
 * The gateway link of a node's `gateway` property, with the connection's state mirrored in the
 * node's status until the node closes; undefined (and a red status saying why) when there is none.
 */
export function useGateway(
  RED: NodeAPI,
  node: Node,
  gatewayId: string | undefined,
  onState?: (state: ConnectionState) => void,
): GatewayLink | undefined {
  const link = gatewayLinkOf((id) => RED.nodes.getNode(id), gatewayId);
  if (typeof link === 'string') {
    node.status({ fill: 'red', shape: 'ring', text: `error: ${link}` });
    return undefined;
  }
  const off = link.onState((state) => {
    node.status(connectionStatus(state));
    onState?.(state);
  });
  node.on('close', off);
  return link;
}
