import { join } from 'node:path';
import { type BinaryLauncher, findKeptInfluxd, influxFetch } from '@gridlink/testkit/services';

/** The database `npm start`'s gateway writes the community's readings to. */
export const TELEMETRY_DATABASE = 'gridlink';

export type StartTelemetry =
  | {
      on: true;
      url: string;
      /** The gateway's `telemetry` configuration. */
      config: { enabled: true; influx: { version: 1; url: string; database: string } };
      /** What the console prints: where the readings are and a query to look at them. */
      summary: string;
      stop(): Promise<void>;
    }
  | { on: false; summary: string };

const LOOK_QUERY = 'SELECT last(*) FROM sensor GROUP BY device_type';

/**
 * Telemetry for `npm start`: when influxd is installed (found as the test harness finds it), an
 * InfluxDB 1.x of its own on a free loopback port, keeping its files in `dataDir/influxdb`, with the
 * database the gateway writes to. Without influxd telemetry stays off, and the summary says how to
 * turn it on.
 */
export async function startTelemetry(
  dataDir: string,
  find: (dir: string) => BinaryLauncher | null = findKeptInfluxd,
): Promise<StartTelemetry> {
  const launcher = find(join(dataDir, 'influxdb'));
  if (launcher === null) {
    return {
      on: false,
      summary:
        'Telemetry: off — influxd (InfluxDB 1.x) is not installed. Install it (Debian: apt-get install influxdb) and ' +
        'run npm start again: it then runs an InfluxDB of its own and the gateway writes the readings there.',
    };
  }
  const server = await launcher.start();
  try {
    const created = await influxFetch(server.url, '/query', {
      method: 'POST',
      body: new URLSearchParams({ q: `CREATE DATABASE ${TELEMETRY_DATABASE}` }),
    });
    if (!created.ok) throw new Error(`CREATE DATABASE answered ${created.status}: ${await created.text()}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  const { hostname, port } = new URL(server.url);
  return {
    on: true,
    url: server.url,
    config: { enabled: true, influx: { version: 1, url: server.url, database: TELEMETRY_DATABASE } },
    summary: [
      `Telemetry: the gateway writes the readings to InfluxDB 1.x at ${server.url}, database ${TELEMETRY_DATABASE} (${launcher.detail}, files in ${join(dataDir, 'influxdb')})`,
      `      influx -host ${hostname} -port ${port} -database ${TELEMETRY_DATABASE} -execute '${LOOK_QUERY}'   (Debian: influxdb-client)`,
      `      curl -sG '${server.url}/query' --data-urlencode 'db=${TELEMETRY_DATABASE}' --data-urlencode "q=${LOOK_QUERY}"`,
    ].join('\n'),
    stop: () => server.stop(),
  };
}
