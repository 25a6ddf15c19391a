export { measuredSpan, type ResponseStatus, responseStatus } from './arrival.js';
export {
  type ClockReading,
  clockLimit,
  extensionOf,
  governingLimit,
  openClock,
  readClock,
  type StepClock,
  unsignedSince,
} from './clock.js';
export {
  type DeadlineEvents,
  Deadlines,
  type DeadlinesOptions,
  type EscalatedEvent,
  type IncidentTimeLimit,
  type IncidentTimeStatus,
  type LightSchedule,
  lightAt,
  type SupervisedEvent,
} from './deadlines.js';
export {
  ARRIVAL_MEASURE,
  DeadlineSettings,
  type DeadlineSettingsInput,
  EXTENSION_ACTIONS,
  EXTERNALLY_LIMITED,
  PAUSED_STATES,
  RESTART_ACTIONS,
  type ResponseMeasure,
  STEP_OF_STATE,
  SUPERVISION_LADDER,
  type SupervisionLevel,
  supervisionRank,
  UNSIGNED_STATES,
} from './rules.js';
