import { CONFIG_ENV_PREFIX, createConfigLoader, type LoadConfigResult as Result } from '@gridlink/protocol';
import { GatewayConfig } from './schema.js';

/**
 * The gateway's configuration: the shared schema-first loader of `@gridlink/protocol` (one YAML
 * file, then `GRIDLINK_*` env overrides, then `*_FILE` secrets; validated once, then frozen)
 * bound to {@link GatewayConfig}.
 */
export {
  configEnvName,
  deepFreeze,
  describeFsError,
  type LoadConfigOptions,
} from '@gridlink/protocol';

export type LoadConfigResult = Result<GatewayConfig>;

export const ENV_PREFIX = CONFIG_ENV_PREFIX;

const loader = createConfigLoader(GatewayConfig);

/** Dotted paths of every secret field (`telemetry.influx.password`…): for log redaction. */
export const SECRET_CONFIG_PATHS: readonly string[] = loader.secretPaths;

export const loadConfig = loader.loadConfig;
export const redactConfig = loader.redactConfig;
