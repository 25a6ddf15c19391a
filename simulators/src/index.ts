export { demoCommunity, type SimulatedDevice } from './community.js';
export { DeviceSimulator, type DeviceSimulatorOptions, type SimulatorActivity } from './device-simulator.js';
export { PayloadFactory } from './payloads.js';
export { pick, type Random, seededRandom } from './random.js';
