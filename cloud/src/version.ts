import { createRequire } from 'node:module';

/** The package version, reported in the log and in `/openapi.json`. */
export const CLOUD_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
