export { createTestCertificates, type TestCertificates } from './certificates.js';
export { type FaultMode, type FaultProxy, startFaultProxy } from './fault-proxy.js';
export {
  createTestDatabase,
  createTestInfluxDatabase,
  type TestDatabase,
  type TestInfluxDatabase,
  testServices,
  testTopicPrefix,
  useTestDatabase,
  useTestInfluxDatabase,
} from './isolation.js';
export type {
  GridlinkServices,
  ServiceEndpoint,
  ServiceName,
  ServiceOrigin,
} from './provided-context.js';
export { SEED_ENV, testSeed } from './seed.js';
export { type Capability, CI_ALLOWED_SKIPS, cannotRun, skipOrFail } from './skips.js';
