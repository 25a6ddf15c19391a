export { publishRefusal, subscribeRefusal } from './broker/acl.js';
export { type BrokerLimits, DEFAULT_BROKER_LIMITS } from './broker/broker.js';
export { GatewayBus, type InvalidMessage, type NormalisedMessage } from './bus.js';
export { runCli } from './cli/main.js';
export { GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from './cli/node-flags.js';
export type {
  CamerasCheck,
  CloudCheck,
  CommissioningReport,
  CommissioningView,
  DevicesCheck,
  DrillHop,
  DrillHopName,
  DrillRun,
  MissingDevice,
} from './commissioning/index.js';
export { loadConfig, redactConfig, SECRET_CONFIG_PATHS } from './config/load.js';
export { GatewayConfig, type GatewayConfigInput } from './config/schema.js';
export type { CameraOnboarding, ConsoleCamera, ScannedCamera } from './console/cameras-routes.js';
export type { CommandField, CommandForm } from './console/command-forms.js';
export type {
  DevicePageData,
  DeviceSetup,
  FieldIssue,
  ImportPreview,
  IssuedCredential,
} from './console/device-admin-routes.js';
export type { DeviceActivity } from './console/device-history.js';
export type { ConsoleDevice } from './console/devices-routes.js';
export type { ConsoleOutbox } from './console/outbox-routes.js';
export type { ConsoleOverview } from './console/overview.js';
export type { ConsoleDryRun, ConsoleRuleCheck, ConsoleRuleFile, ConsoleRules } from './console/rules-routes.js';
export { generateSecret, hashPassword, verifyPassword } from './credentials/password.js';
export {
  type DeviceRecord,
  type Directory,
  InMemoryDirectory,
  type IntegratorGrants,
  type ServiceAccount,
  type ServiceRole,
} from './devices/directory.js';
export { GATEWAY_VERSION, Gateway, type GatewayOptions } from './gateway.js';
export { READ_ONLY_BRIDGE_COMMANDS } from './integrator/integrator-acl.js';
export { deviceHealth, deviceHealthBatches, fullSync, gatewayHealth } from './inventory/inventory-events.js';
export type { CsvIssue, CsvIssueCode } from './registry/csv-import.js';
export { DeviceRegistry, importDevicesCsv, registryPathIn } from './registry/index.js';
export type { AuditEntry, CommissioningRecord, GrantChange } from './registry/registry.js';
export type { Observation } from './rules/conditions.js';
export { type AlertTransition, RuleEngine } from './rules/engine.js';
export type { RuleIssue } from './rules/rule-check.js';
export { RuleStateSaver } from './rules/state-saver.js';
export { RuleStateStore } from './rules/state-store.js';
export type { RuleTemplate, TemplateParam } from './rules/template-catalog.js';
export { builtinRuleFile, builtinRules } from './rules/templates.js';
export { startGatewayFromConfig } from './run.js';
export { CloudClient, type CloudClientOptions } from './uplink/cloud-client.js';
export type { QuarantinedDetail } from './uplink/outbox.js';
export { Outbox, type OutboxEntry, type OutboxEvent, PRIORITY_RANK } from './uplink/outbox.js';
export { type SenderStats, UplinkSender } from './uplink/sender.js';
