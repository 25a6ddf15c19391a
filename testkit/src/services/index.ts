/**
 * Throwaway servers from the binaries on the PATH, for scripts outside vitest (benchmarks): each
 * `find…()` returns null when the binary is missing, else a launcher whose `start()` runs the
 * server on a free loopback port in a temporary directory.
 */
export { findInfluxd, findKeptInfluxd, influxFetch } from './influxdb.js';
export { findMosquitto } from './mosquitto.js';
export { findPostgres } from './postgres.js';
export type { BinaryLauncher, StartedService } from './resolve.js';
