import type { Listeners } from '../broker/listeners.js';
import type { GatewayConfig } from '../config/schema.js';
import type { BrokerAddress } from './device-admin-routes.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * Where a device connects, for its label: the TLS listener when there is one (a password crosses
 * the LAN encrypted), else plain TCP. A listener bound to every interface names no host; the
 * console then uses the address the installer reached the gateway at.
 */
export function brokerAddress(config: GatewayConfig, ports: Listeners['ports']): BrokerAddress {
  const tls = ports.tls !== undefined;
  const port = ports.tls ?? ports.tcp;
  const host = tls ? config.mqtt.tls.host : config.mqtt.host;
  return { ...(WILDCARDS.has(host) ? {} : { host }), ...(port !== undefined ? { port } : {}), tls };
}
