import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.js';
import { Gateway } from './gateway.js';
import { DeviceRegistry, registryPathIn } from './registry/index.js';

/**
 * Starts the whole gateway from a validated, frozen configuration (`gridlink-gateway start`):
 * the device registry in `gateway.data_dir`, then the gateway on it. `stop()` shuts down in
 * reverse order, flushing telemetry.
 */
export async function startGatewayFromConfig(
  config: GatewayConfig,
  logger: Logger,
): Promise<{ gateway: Gateway; stop(): Promise<void> }> {
  mkdirSync(config.gateway.data_dir, { recursive: true, mode: 0o700 });
  const registry = DeviceRegistry.open(registryPathIn(config.gateway.data_dir));
  const gateway = new Gateway({ config, directory: registry, logger });
  try {
    await gateway.start();
  } catch (error) {
    registry.close();
    throw error;
  }
  return {
    gateway,
    async stop() {
      await gateway.stop();
      registry.close();
    },
  };
}
