export { OnvifCameraSimulator } from './camera.js';
export { OnvifCameraFarm } from './farm.js';
export { endpointReferenceFor, serialNumberFor } from './identity.js';
export type { OnvifCameraOptions } from './options.js';
export type { OnvifQuirks } from './quirks.js';
export { CAPTION_AREA, SNAPSHOT_SIZE } from './snapshot.js';
export { TOPICS, topicExpression } from './topics.js';
