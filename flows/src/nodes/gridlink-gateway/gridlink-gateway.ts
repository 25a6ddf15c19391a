import { DEFAULT_BASE_TOPIC } from '@gridlink/protocol';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { BrokenLink } from '../../gateway/broken-link.js';
import { GatewayConnection } from '../../gateway/connection.js';
import type { GatewayLink } from '../../gateway/gateway-link.js';
import { type GatewayCredentials, type GatewaySettingsInput, gatewaySettings } from '../../gateway/gateway-settings.js';
import { reasonOf } from '../../kit/errors.js';

type GatewayNodeDef = NodeDef & GatewaySettingsInput;
type GatewayNode = Node<GatewayCredentials> & { link: GatewayLink };

/** `gridlink-gateway`: a gateway's broker address, TLS and service account, and the one MQTT session to it. */
export default function register(RED: NodeAPI): void {
  function GridlinkGateway(this: GatewayNode, def: GatewayNodeDef) {
    RED.nodes.createNode(this, def);
    const settings = gatewaySettings(def, this.credentials ?? {});
    if (!settings.ok) {
      this.link = new BrokenLink(settings.reason, def.baseTopic || DEFAULT_BASE_TOPIC);
      this.error(`gateway settings: ${settings.reason}`);
      return;
    }
    const connection = new GatewayConnection({
      ...settings.options,
      onHandlerError: (topic, err) => this.error(`handling ${topic}: ${reasonOf(err)}`),
    });
    this.link = connection;
    this.on('close', (done: () => void) => {
      connection.close().then(done, done);
    });
  }
  RED.nodes.registerType<GatewayNode, GatewayNodeDef, unknown, GatewayCredentials>(
    'gridlink-gateway',
    GridlinkGateway,
    {
      credentials: { username: { type: 'text' }, password: { type: 'password' }, tlsKey: { type: 'password' } },
    },
  );
}
