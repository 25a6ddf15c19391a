import { isAbsolute, resolve } from 'node:path';
import { deepFreeze } from '@gridlink/protocol';
import { IN_MEMORY } from '../db/pglite.js';
import type { CloudConfig } from './schema.js';

/** The configuration with its directories resolved from `cwd` (where the command was run). */
export function resolveConfigPaths(config: CloudConfig, cwd: string): CloudConfig {
  const at = (path: string) => (isAbsolute(path) || path === IN_MEMORY ? path : resolve(cwd, path));
  const { data_dir } = config.database;
  return deepFreeze({
    ...config,
    cloud: { ...config.cloud, data_dir: at(config.cloud.data_dir) },
    database: { ...config.database, ...(data_dir === undefined ? {} : { data_dir: at(data_dir) }) },
  });
}
