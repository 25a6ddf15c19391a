export { type CsvRecord, CsvSyntaxError, csvLine, parseCsv } from './csv.js';
export { decodeCsv } from './csv-decode.js';
export {
  type CsvIssue,
  type CsvIssueCode,
  type CsvPreview,
  credentialsCsv,
  formatCsvIssue,
  type ImportOptions,
  importDevicesCsv,
  previewDevicesCsv,
} from './csv-import.js';
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
  type Actor,
  type AuditEntry,
  type CommissioningRecord,
  DEVICE_STATUSES,
  type DeviceFilter,
  DeviceRegistry,
  type DeviceSpec,
  type DeviceStatus,
  type GrantChange,
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
