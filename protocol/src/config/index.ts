export {
  describeValue,
  type FormatIssuesOptions,
  formatIssues,
  formatPath as formatConfigPath,
  isSecretPath,
} from './issues.js';
export {
  CONFIG_ENV_PREFIX,
  type ConfigLoader,
  type ConfigLoaderOptions,
  configEnvName,
  createConfigLoader,
  deepFreeze,
  describeFsError,
  type LoadConfigOptions,
  type LoadConfigResult,
} from './loader.js';
export {
  closest,
  discriminatorAt,
  editDistance,
  fieldsOf,
  isIntegerAt,
  type LeafKind,
  leafKind,
  leafPaths,
  type Schema as ConfigSchema,
  schemasAt,
  unwrap as unwrapSchema,
} from './schema-walk.js';
