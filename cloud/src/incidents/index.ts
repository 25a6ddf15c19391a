export { NEEDS_ATTENTION_SQL, needsAttention, UNASSIGNED_STATES } from './attention.js';
export { alertPlaceKey, dedupKey, repeatScopeKey } from './dedup.js';
export {
  type AfterHours,
  categoryLineage,
  DEFAULT_DEVICE_EVENT_POLICY,
  decidePolicies,
  decidePolicy,
  isAfterHours,
  POLICY_FOLLOW_UP,
  type PolicyDecision,
  RepeatScope,
  type RepeatThreshold,
} from './device-event-policy.js';
export {
  type AlertOutcome,
  defaultSeverity,
  IncidentEngine,
  type IncidentEngineOptions,
  type TransitionResult,
} from './engine.js';
export { INCIDENT_ERROR_CODES, IncidentError, type IncidentErrorCode } from './errors.js';
export { type HeldAlert, type HeldAlertFilter, type HeldAlertPage, readHeldAlerts } from './held-alerts.js';
export { ReportInput, TransitionInput } from './inputs.js';
export type { NearbyAnswer, NearbyItem } from './nearby-routes.js';
export {
  DeviceEventPolicyBody,
  DeviceEventPolicyTable,
  DeviceEventPolicyTableBody,
  type StoredDeviceEventPolicy,
} from './policy-table.js';
export { MAX_ACCURACY_M, type PlacePosition, PositionFix, type RecordedFix } from './position.js';
export {
  Attachment,
  type Incident,
  type IncidentEvidence,
  type IncidentPlace,
  type IncidentPosition,
  type IncidentStep,
  type Supervision,
} from './records.js';
export { IncidentRole } from './roles.js';
export {
  DEFAULT_INCIDENT_SETTINGS,
  INCIDENT_SETTINGS_TARGET,
  IncidentSettings,
  IncidentSettingsStore,
  policiesOf,
} from './settings.js';
export {
  ActionName,
  allowedActions,
  CallbackPolicy,
  DEFAULT_POLICIES,
  Effect,
  IncidentPolicies,
  roleMayTake,
  rulesFrom,
  STATE_MACHINE,
  STATE_MACHINE_TABLE,
  StateMachine,
  TransitionRule,
  terminalStates,
  UnsatisfiedCallbackPolicy,
} from './state-machine.js';
export type { IncidentArrival } from './time-status.js';
