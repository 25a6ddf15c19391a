import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ContainerLauncher, StartedService } from './resolve.js';

// testcontainers is imported lazily: loading it costs time and it is only needed without binaries.
// Its Ryuk sidecar removes the containers if the vitest process dies before teardown.

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

async function testcontainersFindsEngine(timeoutMs: number): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Cheap check for a Docker engine: GET /_ping on the usual unix sockets. Remote engines
 * (DOCKER_HOST=tcp://…, maybe with TLS) are left to testcontainers' own detection.
 */
export async function dockerEngineAnswers(
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = 2_000,
): Promise<boolean> {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost && !dockerHost.startsWith('unix://')) return testcontainersFindsEngine(timeoutMs);
  const sockets = dockerHost
    ? [dockerHost.slice('unix://'.length)]
    : [
        '/var/run/docker.sock',
        ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
        join(homedir(), '.docker', 'run', 'docker.sock'),
      ];
  for (const socket of sockets) {
    if (existsSync(socket) && (await pingSocket(socket, timeoutMs))) return true;
  }
  return false;
}

function stopper(container: { stop(): Promise<unknown> }): () => Promise<void> {
  return async () => {
    await container.stop();
  };
}

const POSTGRES_IMAGE = 'postgres:16-alpine';

export const postgresContainer: ContainerLauncher = {
  image: POSTGRES_IMAGE,
  async start(): Promise<StartedService> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(POSTGRES_IMAGE)
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
      .withCommand([
        'postgres',
        ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        ...['-c', 'max_connections=200'],
      ])
      .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
      .withExposedPorts(5432)
      // The entrypoint runs a temporary server for initialisation first, hence the second "ready".
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const address = `${container.getHost()}:${container.getMappedPort(5432)}`;
    return { url: `postgres://postgres:postgres@${address}/postgres`, stop: stopper(container) };
  },
};

const MOSQUITTO_IMAGE = 'eclipse-mosquitto:2';

export const mosquittoContainer: ContainerLauncher = {
  image: MOSQUITTO_IMAGE,
  async start(): Promise<StartedService> {
    const { GenericContainer, Wait } = await import('testcontainers');
    // The image's default config only listens on localhost inside the container.
    const config = 'listener 1883\nallow_anonymous true\npersistence false\nlog_dest stdout\n';
    const container = await new GenericContainer(MOSQUITTO_IMAGE)
      .withCopyContentToContainer([{ content: config, target: '/mosquitto/config/mosquitto.conf' }])
      .withExposedPorts(1883)
      .withWaitStrategy(Wait.forLogMessage(/mosquitto version \S+ running/))
      .start();
    const address = `${container.getHost()}:${container.getMappedPort(1883)}`;
    return { url: `mqtt://${address}`, stop: stopper(container) };
  },
};

const INFLUX_IMAGE = 'influxdb:1.8';

export const influxContainer: ContainerLauncher = {
  image: INFLUX_IMAGE,
  async start(): Promise<StartedService> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(INFLUX_IMAGE)
      .withEnvironment({
        INFLUXDB_REPORTING_DISABLED: 'true',
        INFLUXDB_HTTP_LOG_ENABLED: 'false',
        INFLUXDB_MONITOR_STORE_ENABLED: 'false',
      })
      .withExposedPorts(8086)
      .withWaitStrategy(Wait.forHttp('/ping', 8086).forStatusCode(204))
      .start();
    const address = `${container.getHost()}:${container.getMappedPort(8086)}`;
    return { url: `http://${address}`, stop: stopper(container) };
  },
};
