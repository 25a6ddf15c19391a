import type { Node, NodeAPI, NodeDef } from 'node-red';
import { cloudClient } from '../../cloud/cloud-client.js';
import type { CloudLink } from '../../cloud/cloud-link.js';

type CloudNodeDef = NodeDef & { url?: string };
type CloudCredentials = { token?: string };
type CloudNode = Node<CloudCredentials> & { cloud: CloudLink };

/** `gridlink-cloud`: the cloud's URL and an API token (a Node-RED credential, never in the flow). */
export default function register(RED: NodeAPI): void {
  function GridlinkCloud(this: CloudNode, def: CloudNodeDef) {
    RED.nodes.createNode(this, def);
    const client = cloudClient(def.url, this.credentials?.token);
    if (client.ok) {
      this.cloud = client.cloud;
      return;
    }
    const reason = client.reason;
    this.cloud = { url: def.url ?? '', fetch: () => Promise.reject(new Error(reason)) };
    this.error(`cloud settings: ${reason}`);
  }
  RED.nodes.registerType<CloudNode, CloudNodeDef, unknown, CloudCredentials>('gridlink-cloud', GridlinkCloud, {
    credentials: { token: { type: 'password' } },
  });
}
