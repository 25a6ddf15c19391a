import type { GridlinkServices, ServiceName, ServiceOrigin } from '../provided-context.js';
import { errorMessage } from './process.js';

export interface StartedService {
  url: string;
  /** The server's process, when it is one of ours (not for containers). */
  pid?: number | undefined;
  stop(): Promise<void>;
}

export interface BinaryLauncher {
  /** For the log line, e.g. `initdb from /usr/lib/postgresql/15/bin`. */
  detail: string;
  start(): Promise<StartedService>;
}

export interface ContainerLauncher {
  image: string;
  start(): Promise<StartedService>;
}

/** Everything the resolver needs to know about one service; injected so tests need no servers. */
export interface ServiceBackend {
  /** Resolves if the server behind a user-supplied URL answers, rejects with the reason if not. */
  verify(url: string): Promise<void>;
  /** Finds the binaries without starting anything; null if they are not installed. */
  findBinary(): BinaryLauncher | null;
  container: ContainerLauncher;
}

export interface ResolverDeps {
  env: Readonly<Record<string, string | undefined>>;
  backends: Record<ServiceName, ServiceBackend>;
  /** Asked at most once, and only if some service is neither configured nor installed. */
  containerEngineAnswers(): Promise<boolean>;
  log(line: string): void;
}

export interface ResolvedServices {
  services: GridlinkServices;
  /** Stops whatever was started (env-provided servers are left alone). */
  stop(): Promise<void>;
}

interface ServiceInfo {
  label: string;
  envVar: string;
  envExample: string;
  install: string;
}

export const SERVICE_INFO: Record<ServiceName, ServiceInfo> = {
  postgres: {
    label: 'PostgreSQL',
    envVar: 'GRIDLINK_TEST_PG_URL',
    envExample: 'postgres://user:password@host:5432/postgres (a role allowed to CREATE DATABASE)',
    install:
      "install the Debian package 'postgresql' (initdb and pg_ctl on the PATH or in /usr/lib/postgresql/<version>/bin)",
  },
  mqtt: {
    label: 'MQTT broker',
    envVar: 'GRIDLINK_TEST_MQTT_URL',
    envExample: 'mqtt://host:1883',
    install: "install the Debian package 'mosquitto' (mosquitto on the PATH or in /usr/sbin)",
  },
  influx: {
    label: 'InfluxDB 1.x',
    envVar: 'GRIDLINK_TEST_INFLUX_URL',
    envExample: 'http://host:8086',
    install: "install the Debian package 'influxdb' (influxd on the PATH or in /usr/bin)",
  },
};

const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'mqtt', 'influx'];

/** Hides the password of a URL that is about to be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

interface Resolved {
  url: string;
  origin: ServiceOrigin;
  stop(): Promise<void>;
}

async function resolveOne(
  name: ServiceName,
  deps: ResolverDeps,
  engineAnswers: () => Promise<boolean>,
): Promise<Resolved> {
  const info = SERVICE_INFO[name];
  const backend = deps.backends[name];
  const prefix = `${info.label} for tests`;

  const fromEnv = deps.env[info.envVar]?.trim();
  if (fromEnv) {
    try {
      await backend.verify(fromEnv);
    } catch (error) {
      throw new Error(
        `${prefix}: ${info.envVar}=${redactUrl(fromEnv)} is not usable (${errorMessage(error)}). ` +
          `Fix the URL, or unset ${info.envVar} to let the test harness find or start one.`,
      );
    }
    deps.log(`[testkit] ${name}: ${info.envVar} (${redactUrl(fromEnv)})`);
    return { url: fromEnv, origin: 'env', stop: async () => {} };
  }

  // A broken local install fails loudly instead of silently falling through to Docker.
  const binary = backend.findBinary();
  if (binary !== null) {
    let started: StartedService;
    try {
      started = await binary.start();
    } catch (error) {
      throw new Error(`${prefix}: could not start a throwaway instance (${binary.detail}): ${errorMessage(error)}`);
    }
    deps.log(`[testkit] ${name}: throwaway instance on ${hostPort(started.url)} (${binary.detail})`);
    return { ...started, origin: 'binary' };
  }

  if (await engineAnswers()) {
    const { image } = backend.container;
    let started: StartedService;
    try {
      started = await backend.container.start();
    } catch (error) {
      throw new Error(`${prefix}: could not start container ${image}: ${errorMessage(error)}`);
    }
    deps.log(`[testkit] ${name}: container ${image} on ${hostPort(started.url)}`);
    return { ...started, origin: 'container' };
  }

  throw new Error(
    `${prefix}: not found. Set ${info.envVar}=${info.envExample}, or ${info.install}, ` +
      'or run a Docker engine for testcontainers.',
  );
}

async function stopAll(services: readonly Resolved[]): Promise<void> {
  const results = await Promise.allSettled(services.map((service) => service.stop()));
  const problems = results.flatMap((result) => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
  if (problems.length > 0) {
    throw new Error(`[testkit] could not stop every test service:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Finds PostgreSQL, MQTT and InfluxDB independently and in parallel: env var, then local
 * binaries, then containers. If any is missing, stops the others and throws one error listing
 * every problem with its fix.
 */
export async function resolveServices(deps: ResolverDeps): Promise<ResolvedServices> {
  let engineCheck: Promise<boolean> | undefined;
  const engineAnswers = () => {
    engineCheck ??= deps.containerEngineAnswers().catch(() => false);
    return engineCheck;
  };

  const outcomes = await Promise.allSettled(SERVICE_NAMES.map((name) => resolveOne(name, deps, engineAnswers)));
  const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [errorMessage(outcome.reason)] : []));
  if (failures.length > 0) {
    await stopAll(started).catch((error: unknown) => deps.log(errorMessage(error)));
    throw new Error(`[testkit] cannot provide the services tests need:\n  - ${failures.join('\n  - ')}`);
  }

  const [postgres, mqtt, influx] = started as [Resolved, Resolved, Resolved];
  const endpoint = ({ url, origin }: Resolved) => ({ url, origin });
  return {
    services: { postgres: endpoint(postgres), mqtt: endpoint(mqtt), influx: endpoint(influx) },
    stop: () => stopAll([postgres, mqtt, influx]),
  };
}
