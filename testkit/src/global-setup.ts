import { performance } from 'node:perf_hooks';
import type { TestProject } from 'vitest/node';
import type { GridlinkServices } from './provided-context.js';
import { dockerEngineAnswers, influxContainer, mosquittoContainer, postgresContainer } from './services/containers.js';
import { findInfluxd, verifyInflux } from './services/influxdb.js';
import { findMosquitto, verifyMqtt } from './services/mosquitto.js';
import { findPostgres, verifyPostgres } from './services/postgres.js';
import { resolveServices } from './services/resolve.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Vitest global setup, run once for all projects: resolves PostgreSQL, MQTT and InfluxDB and
 * provides their URLs to every test worker as `gridlinkServices`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = performance.now();
  const resolved = await resolveServices({
    env: process.env,
    backends: {
      postgres: { verify: verifyPostgres, findBinary: findPostgres, container: postgresContainer },
      mqtt: { verify: (url) => verifyMqtt(url), findBinary: findMosquitto, container: mosquittoContainer },
      influx: { verify: (url) => verifyInflux(url), findBinary: findInfluxd, container: influxContainer },
    },
    containerEngineAnswers: () => dockerEngineAnswers(process.env),
    log,
  });
  log(`[testkit] services ready in ${Math.round(performance.now() - startedAt)} ms`);

  const services: GridlinkServices = resolved.services;
  project.provide('gridlinkServices', services);

  return async () => {
    const stoppingAt = performance.now();
    await resolved.stop();
    log(`[testkit] services stopped in ${Math.round(performance.now() - stoppingAt)} ms`);
  };
}
