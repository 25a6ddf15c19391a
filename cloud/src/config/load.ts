import { createConfigLoader, type LoadConfigOptions, type LoadConfigResult } from '@gridlink/protocol';
import { redactUrl } from '../logging/redact-url.js';
import { CloudConfig } from './schema.js';

/**
 * The cloud's configuration: one YAML file, then `GRIDLINK_*` env overrides, then `*_FILE`
 * secrets (the shared loader of `@gridlink/protocol`), validated once and frozen. A missing secret
 * is reported with the variables that set it.
 */
const loader = createConfigLoader(CloudConfig, { hintMissingSecrets: true });

export function loadCloudConfig(options: LoadConfigOptions = {}): LoadConfigResult<CloudConfig> {
  return loader.loadConfig(options);
}

/**
 * A copy of the configuration with every secret replaced by `[redacted]` and the password of
 * `database.url` hidden, safe to log or print.
 */
export function redactCloudConfig<C>(config: C): C {
  const copy = loader.redactConfig(config) as { database?: { url?: unknown } };
  if (typeof copy.database?.url === 'string') copy.database.url = redactUrl(copy.database.url);
  return copy as C;
}

export const CLOUD_SECRET_PATHS = loader.secretPaths;
