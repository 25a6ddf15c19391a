export { type HotlineCloud, type HotlinePlatformOptions, HotlinePlatformSimulator } from './platform.js';
