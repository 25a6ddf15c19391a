import type { Node, NodeAPI } from 'node-red';
import { type CloudLink, cloudLinkOf } from './cloud-link.js';

/** The cloud link of a node's `cloud` property; undefined (and a red status saying why) when there is none. */
export function useCloud(RED: NodeAPI, node: Node, cloudId: string | undefined): CloudLink | undefined {
  const link = cloudLinkOf((id) => RED.nodes.getNode(id), cloudId);
  if (typeof link === 'string') {
    node.status({ fill: 'red', shape: 'ring', text: `error: ${link}` });
    node.error(link);
    return undefined;
  }
  return link;
}
