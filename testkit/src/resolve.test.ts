import { describe, expect, it, vi } from 'vitest';
import type { ServiceName } from './provided-context.js';
import { type BinaryLauncher, type ResolverDeps, resolveServices, type ServiceBackend } from './services/resolve.js';

/** A backend that records what the resolver asked of it; nothing is spawned. */
function fakeBackend(
  name: ServiceName,
  options: { binary?: BinaryLauncher | null; verify?: (url: string) => Promise<void> } = {},
) {
  const stopContainer = vi.fn(async () => {});
  const backend = {
    verify: vi.fn(options.verify ?? (async () => {})),
    findBinary: vi.fn(() => options.binary ?? null),
    container: {
      image: `${name}:test`,
      start: vi.fn(async () => ({ url: `${name}://container-host:32768`, stop: stopContainer })),
    },
  } satisfies ServiceBackend;
  return { backend, stopContainer };
}

function fakeBinary(detail: string, url: string) {
  const stop = vi.fn(async () => {});
  const launcher = { detail, start: vi.fn(async () => ({ url, stop })) };
  return { launcher, stop };
}

function deps(
  overrides: Partial<ResolverDeps> & { backends: ResolverDeps['backends'] },
): ResolverDeps & { lines: string[] } {
  const lines: string[] = [];
  return {
    env: {},
    containerEngineAnswers: vi.fn(async () => false),
    log: (line: string) => lines.push(line),
    lines,
    ...overrides,
  };
}

function allFake(options: Partial<Record<ServiceName, Parameters<typeof fakeBackend>[1]>> = {}) {
  const postgres = fakeBackend('postgres', options.postgres);
  const mqtt = fakeBackend('mqtt', options.mqtt);
  const influx = fakeBackend('influx', options.influx);
  return {
    postgres,
    mqtt,
    influx,
    backends: { postgres: postgres.backend, mqtt: mqtt.backend, influx: influx.backend },
  };
}

describe('resolveServices()', () => {
  it('uses the env var first, after checking that it answers, and looks no further', async () => {
    const binary = fakeBinary('initdb from /usr/lib/postgresql/15/bin', 'postgres://x');
    const fakes = allFake({ postgres: { binary: binary.launcher } });
    const d = deps({
      backends: fakes.backends,
      env: {
        GRIDLINK_TEST_PG_URL: 'postgres://admin:secret@db:5432/postgres',
        GRIDLINK_TEST_MQTT_URL: 'mqtt://broker:1883',
        GRIDLINK_TEST_INFLUX_URL: 'http://influx:8086',
      },
    });

    const resolved = await resolveServices(d);

    expect(resolved.services).toEqual({
      postgres: { url: 'postgres://admin:secret@db:5432/postgres', origin: 'env' },
      mqtt: { url: 'mqtt://broker:1883', origin: 'env' },
      influx: { url: 'http://influx:8086', origin: 'env' },
    });
    expect(fakes.postgres.backend.verify).toHaveBeenCalledWith('postgres://admin:secret@db:5432/postgres');
    expect(fakes.postgres.backend.findBinary).not.toHaveBeenCalled();
    expect(binary.launcher.start).not.toHaveBeenCalled();
    expect(d.containerEngineAnswers).not.toHaveBeenCalled();
    expect(d.lines).toEqual([
      '[testkit] postgres: GRIDLINK_TEST_PG_URL (postgres://admin:***@db:5432/postgres)',
      '[testkit] mqtt: GRIDLINK_TEST_MQTT_URL (mqtt://broker:1883)',
      '[testkit] influx: GRIDLINK_TEST_INFLUX_URL (http://influx:8086)',
    ]);
  });

  it('fails clearly when an env var points at a server that does not answer', async () => {
    const fakes = allFake({
      mqtt: { verify: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.9:1883')) },
    });
    const binary = fakeBinary('mosquitto from /usr/sbin/mosquitto', 'mqtt://127.0.0.1:1');
    fakes.mqtt.backend.findBinary.mockReturnValue(binary.launcher);
    const d = deps({
      backends: fakes.backends,
      env: { GRIDLINK_TEST_MQTT_URL: 'mqtt://10.0.0.9:1883' },
      containerEngineAnswers: vi.fn(async () => true),
    });

    await expect(resolveServices(d)).rejects.toThrow(
      '[testkit] cannot provide the services tests need:\n' +
        '  - MQTT broker for tests: GRIDLINK_TEST_MQTT_URL=mqtt://10.0.0.9:1883 is not usable ' +
        '(connect ECONNREFUSED 10.0.0.9:1883). Fix the URL, or unset GRIDLINK_TEST_MQTT_URL to let ' +
        'the test harness find or start one.',
    );
    // No silent fallback to a different broker than the one asked for.
    expect(binary.launcher.start).not.toHaveBeenCalled();
  });

  it('starts a throwaway instance from local binaries when no env var is set', async () => {
    const pgBinary = fakeBinary(
      'initdb from /usr/lib/postgresql/15/bin',
      'postgres://postgres@127.0.0.1:54321/postgres',
    );
    const fakes = allFake({ postgres: { binary: pgBinary.launcher } });
    const d = deps({ backends: fakes.backends, containerEngineAnswers: vi.fn(async () => true) });

    const resolved = await resolveServices(d);

    expect(resolved.services.postgres).toEqual({
      url: 'postgres://postgres@127.0.0.1:54321/postgres',
      origin: 'binary',
    });
    expect(fakes.postgres.backend.container.start).not.toHaveBeenCalled();
    expect(d.lines).toContain(
      '[testkit] postgres: throwaway instance on 127.0.0.1:54321 (initdb from /usr/lib/postgresql/15/bin)',
    );
  });

  it('treats an empty env var as unset', async () => {
    const binary = fakeBinary('influxd from /usr/bin/influxd', 'http://127.0.0.1:40000');
    const fakes = allFake({ influx: { binary: binary.launcher } });
    const d = deps({
      backends: fakes.backends,
      env: { GRIDLINK_TEST_INFLUX_URL: '  ' },
      containerEngineAnswers: vi.fn(async () => true),
    });

    const resolved = await resolveServices(d);

    expect(resolved.services.influx.origin).toBe('binary');
    expect(fakes.influx.backend.verify).not.toHaveBeenCalled();
  });

  it('falls back to containers when neither env var nor binaries exist and Docker answers', async () => {
    const fakes = allFake();
    const d = deps({ backends: fakes.backends, containerEngineAnswers: vi.fn(async () => true) });

    const resolved = await resolveServices(d);

    expect(resolved.services).toEqual({
      postgres: { url: 'postgres://container-host:32768', origin: 'container' },
      mqtt: { url: 'mqtt://container-host:32768', origin: 'container' },
      influx: { url: 'influx://container-host:32768', origin: 'container' },
    });
    // One engine check serves all three services.
    expect(d.containerEngineAnswers).toHaveBeenCalledTimes(1);
    expect(d.lines).toContain('[testkit] mqtt: container mqtt:test on container-host:32768');
  });

  it('resolves each service independently', async () => {
    const mqttBinary = fakeBinary('mosquitto from /usr/sbin/mosquitto', 'mqtt://127.0.0.1:41883');
    const fakes = allFake({ mqtt: { binary: mqttBinary.launcher } });
    const d = deps({
      backends: fakes.backends,
      env: { GRIDLINK_TEST_PG_URL: 'postgres://postgres@db/postgres' },
      containerEngineAnswers: vi.fn(async () => true),
    });

    const resolved = await resolveServices(d);

    expect(resolved.services.postgres.origin).toBe('env');
    expect(resolved.services.mqtt.origin).toBe('binary');
    expect(resolved.services.influx.origin).toBe('container');

    await resolved.stop();
    expect(mqttBinary.stop).toHaveBeenCalledTimes(1);
    expect(fakes.influx.stopContainer).toHaveBeenCalledTimes(1);
  });

  it('does not ask for a Docker engine when nothing needs one', async () => {
    const fakes = allFake({
      postgres: { binary: fakeBinary('initdb from /x', 'postgres://127.0.0.1:1/postgres').launcher },
      mqtt: { binary: fakeBinary('mosquitto from /x', 'mqtt://127.0.0.1:2').launcher },
      influx: { binary: fakeBinary('influxd from /x', 'http://127.0.0.1:3').launcher },
    });
    const d = deps({ backends: fakes.backends });

    await resolveServices(d);

    expect(d.containerEngineAnswers).not.toHaveBeenCalled();
  });

  it('lists every missing service with its fix in one error', async () => {
    const d = deps({ backends: allFake().backends });

    await expect(resolveServices(d)).rejects.toThrow(
      new Error(
        [
          '[testkit] cannot provide the services tests need:',
          "  - PostgreSQL for tests: not found. Set GRIDLINK_TEST_PG_URL=postgres://user:password@host:5432/postgres (a role allowed to CREATE DATABASE), or install the Debian package 'postgresql' (initdb and pg_ctl on the PATH or in /usr/lib/postgresql/<version>/bin), or run a Docker engine for testcontainers.",
          "  - MQTT broker for tests: not found. Set GRIDLINK_TEST_MQTT_URL=mqtt://host:1883, or install the Debian package 'mosquitto' (mosquitto on the PATH or in /usr/sbin), or run a Docker engine for testcontainers.",
          "  - InfluxDB 1.x for tests: not found. Set GRIDLINK_TEST_INFLUX_URL=http://host:8086, or install the Debian package 'influxdb' (influxd on the PATH or in /usr/bin), or run a Docker engine for testcontainers.",
        ].join('\n'),
      ),
    );
  });

  it('stops what it started when another service is missing', async () => {
    const pgBinary = fakeBinary('initdb from /x', 'postgres://127.0.0.1:1/postgres');
    const fakes = allFake({ postgres: { binary: pgBinary.launcher } });
    const d = deps({
      backends: fakes.backends,
      env: { GRIDLINK_TEST_MQTT_URL: 'mqtt://127.0.0.1:2' },
    });

    await expect(resolveServices(d)).rejects.toThrow(
      new Error(
        '[testkit] cannot provide the services tests need:\n' +
          "  - InfluxDB 1.x for tests: not found. Set GRIDLINK_TEST_INFLUX_URL=http://host:8086, or install the Debian package 'influxdb' (influxd on the PATH or in /usr/bin), or run a Docker engine for testcontainers.",
      ),
    );
    expect(pgBinary.stop).toHaveBeenCalledTimes(1);
  });

  it('reports a local install that fails to start instead of hiding it behind Docker', async () => {
    const broken = {
      detail: 'influxd from /usr/bin/influxd',
      start: vi.fn(async () => Promise.reject(new Error('influxd exited with code 1'))),
    };
    const fakes = allFake({ influx: { binary: broken } });
    fakes.postgres.backend.findBinary.mockReturnValue(
      fakeBinary('initdb from /x', 'postgres://127.0.0.1:1/postgres').launcher,
    );
    fakes.mqtt.backend.findBinary.mockReturnValue(fakeBinary('mosquitto from /x', 'mqtt://127.0.0.1:2').launcher);
    const d = deps({ backends: fakes.backends, containerEngineAnswers: vi.fn(async () => true) });

    await expect(resolveServices(d)).rejects.toThrow(
      new Error(
        '[testkit] cannot provide the services tests need:\n' +
          '  - InfluxDB 1.x for tests: could not start a throwaway instance (influxd from /usr/bin/influxd): influxd exited with code 1',
      ),
    );
    expect(fakes.influx.backend.container.start).not.toHaveBeenCalled();
  });
});
