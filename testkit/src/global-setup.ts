import { performance } from 'node:perf_hooks';
import type { TestProject } from 'vitest/node';
import type { GridlinkServices } from './provided-context.js';
import { dockerEngineAnswers, influxContainer, mosquittoContainer, postgresContainer } from './services/containers.js';
import { findInfluxd, verifyInflux } from './services/influxdb.js';
import { findMosquitto, verifyMqtt } from './services/mosquitto.js';
import { findPostgres, verifyPostgres } from './services/postgres.js';
import { resolveServices } from './services/resolve.js';
import { installTestPackages, realPackageHost } from './services/test-packages.mjs';

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Vitest global setup, run once for all projects: installs the Debian packages the tests need where
 * they are missing and this user may (see test-packages.mjs), then resolves PostgreSQL, MQTT and
 * InfluxDB and provides their URLs to every test worker as `gridlinkServices`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = performance.now();
  const packages = await installTestPackages(realPackageHost(process.env));
  log(`[testkit] ${packages.message}`);
  const resolving = resolveServices({
    env: process.env,
    backends: {
      postgres: { verify: verifyPostgres, findBinary: findPostgres, container: postgresContainer },
      mqtt: { verify: (url) => verifyMqtt(url), findBinary: findMosquitto, container: mosquittoContainer },
      influx: { verify: (url) => verifyInflux(url), findBinary: findInfluxd, container: influxContainer },
    },
    containerEngineAnswers: () => dockerEngineAnswers(process.env),
    log,
  });
  // Without the packages, the services' own error names what is missing; this says why it stayed so.
  const resolved =
    packages.status === 'refused'
      ? await resolving.catch((error: unknown) => {
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n  (${packages.message})`);
        })
      : await resolving;
  log(`[testkit] services ready in ${Math.round(performance.now() - startedAt)} ms`);

  const services: GridlinkServices = resolved.services;
  project.provide('gridlinkServices', services);

  return async () => {
    const stoppingAt = performance.now();
    await resolved.stop();
    log(`[testkit] services stopped in ${Math.round(performance.now() - stoppingAt)} ms`);
  };
}
