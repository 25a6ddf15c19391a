export { type CsvRecord, CsvSyntaxError, csvLine, parseCsv } from './csv.js';
export { credentialsCsv, type ImportOptions, importDevicesCsv } from './csv-import.js';
export {
  type Checked,
  checkDeviceInput,
  DEVICE_INPUT_FIELDS,
  DeviceInput,
  type DeviceInputField,
  MAX_TAGS,
  TAG_PATTERN,
  Tag,
  Tags,
} from './device-input.js';
export { MIGRATIONS } from './migrations.js';
export {
  type AuditEntry,
  type CommissioningRecord,
  DEVICE_STATUSES,
  type DeviceFilter,
  DeviceRegistry,
  type DeviceSpec,
  type DeviceStatus,
  type IssuedDevice,
  type IssuedService,
  type RegisteredDevice,
  type RegisteredService,
  RegistryError,
  type RegistryErrorCode,
  type RegistryOptions,
  type ReplacementSpec,
  registryPathIn,
  SERVICE_ROLES,
} from './registry.js';
