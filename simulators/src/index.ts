export { type Credential, type Resident, residentsOf } from './access/population.js';
export {
  AccessControlTerminal,
  type AccessRecord,
  DEFAULT_TERMINAL_RATES,
  type TerminalRates,
} from './access/terminal.js';
export { type Clock, type ManualClock, manualClock } from './clock.js';
export {
  type CloudPlacement,
  cloudPlacements,
  kindCounts,
  registryCsv,
  territoryUnits,
} from './community/exports.js';
export {
  type BuildingUnit,
  type Community,
  type CommunityDevice,
  type CommunityOptions,
  FULL_COMMUNITY,
  generateCommunity,
  type Household,
  roomOf,
  SMALL_COMMUNITY,
} from './community/generator.js';
export {
  type CommunityGeography,
  type GroundPoint,
  type GroundPolygon,
  HUAIAN_BLOCK,
  layOut,
} from './community/geography.js';
export { planWear, type Wear, type WearOptions } from './community/wear.js';
export { demoCommunity, type SimulatedDevice } from './community.js';
export {
  DeviceSimulator,
  type DeviceSimulatorOptions,
  type ReceivedCommand,
  type SimulatorActivity,
} from './device-simulator.js';
export {
  type CloudCaller,
  cloudCaller,
  endLeftOverPatrol,
  type PatrolOutcome,
  type PatrolRun,
  patrol,
  signIn,
} from './grid-workers/field-worker.js';
export { type CheckpointPlan, gridRoute, type RoutePlan } from './grid-workers/routes.js';
export { type Arrival, type Fix, type LonLat, type Walk, type WalkOptions, walkRoute } from './grid-workers/walk.js';
export * from './hotline/index.js';
export * from './integrations/index.js';
export {
  endpointReferenceFor,
  OnvifCameraFarm,
  type OnvifCameraOptions,
  OnvifCameraSimulator,
  type OnvifQuirks,
} from './onvif/index.js';
export { PayloadFactory } from './payloads.js';
export { fork, gaussian, pick, poisson, type Random, seededRandom } from './random.js';
export { SCENARIOS, scenarioNamed } from './scenarios/catalogue.js';
export {
  allScenarioDevices,
  type RunScenarioOptions,
  runScenario,
  type ScenarioRun,
  scenarioDevices,
} from './scenarios/runner.js';
export type {
  CloudLink,
  DeviceSetup,
  Expectations,
  ExpectedAlert,
  ExpectedCommand,
  ExpectedIncident,
  Scenario,
  ScenarioContext,
  ScenarioNeed,
} from './scenarios/scenario.js';
export { StateModel } from './state-model.js';
