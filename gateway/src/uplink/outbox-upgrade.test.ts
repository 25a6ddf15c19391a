import { join } from 'node:path';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { migrate } from '../storage/migrate.js';
import { silentLogger, testDataDir, testGatewayConfig } from '../test-support.js';
import { OUTBOX_MIGRATIONS, PRIORITY_RANK } from './outbox.js';
import { startTestCloud, type TestCloud } from './test-cloud.js';

const GATEWAY = 'gw-upgraded';
const EVENTS = 25;

/** A state event as an earlier gateway queued it: its id, per-device sequence and JSON body fixed then. */
function queued(version: number, n: number): CloudEvent {
  return createCloudEvent({
    id: `evt-v${version}-${n}`,
    type: 'cn.gridlink.device.state.v1',
    gatewayId: GATEWAY,
    deviceId: 'smoke-1',
    time: new Date(Date.parse('2026-11-25T08:00:00.000Z') + n * 1000).toISOString(),
    data: { device_id: 'smoke-1', device_kind: 'smoke_detector', state: { battery: 90, n } },
    priority: 'state',
    deviceSeq: n + 1,
  } as never) as CloudEvent;
}

/** An outbox file of `version`, holding events the cloud never took: the gateway was stopped with the cloud away. */
function outboxAt(version: number, dataDir: string): string[] {
  const file = join(dataDir, 'outbox.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db, file, {
    ...OUTBOX_MIGRATIONS,
    migrations: OUTBOX_MIGRATIONS.migrations.filter((m) => m.version <= version),
  });
  // Only the columns version 1 had.
  const insert = db.prepare(
    'INSERT INTO outbox (id, source, lane, priority, body, enqueued_at, replayed) VALUES (?, ?, ?, ?, ?, ?, 0)',
  );
  const ids: string[] = [];
  for (let n = 0; n < EVENTS; n++) {
    const event = queued(version, n);
    insert.run(event.id, event.source, 'smoke-1', PRIORITY_RANK.state, JSON.stringify(event), Date.now());
    ids.push(event.id);
  }
  db.prepare("INSERT INTO device_seq (device, last) VALUES ('smoke-1', ?)").run(EVENTS);
  db.close();
  return ids;
}

let cloud: TestCloud | undefined;
afterAll(async () => {
  await cloud?.stop();
});

describe('a gateway upgraded with events in its outbox (an outbox file written at each earlier schema version, opened by this release)', () => {
  it.each(OUTBOX_MIGRATIONS.migrations.slice(0, -1).map((migration) => migration.version))(
    'sends every event of an outbox of version %i to the real cloud once, after migrating the file',
    async (version) => {
      cloud ??= await startTestCloud(GATEWAY);
      const dataDir = testDataDir();
      const ids = outboxAt(version, dataDir);
      const config = testGatewayConfig({
        gateway: { id: GATEWAY, community: '320803001001', data_dir: dataDir },
        uplink: { enabled: true, url: cloud.url, token: cloud.token, backoff_initial_ms: 50, backoff_max_ms: 400 },
      });
      const gateway = new Gateway({ config, directory: new InMemoryDirectory([], []), logger: silentLogger() });
      await gateway.start();
      try {
        const delivered = async () =>
          (await cloud?.query<{ id: string }>('SELECT id FROM gateway_events WHERE id = ANY($1) ORDER BY arrival', [
            ids,
          ])) ?? [];
        await expect.poll(async () => (await delivered()).length, { timeout: 20_000 }).toBe(EVENTS);
        expect((await delivered()).map((row) => row.id)).toEqual(ids); // in the device's order
        // The cloud's answer reaches the gateway after the rows are committed there: then they leave the outbox.
        const file = new Database(join(dataDir, 'outbox.db'), { readonly: true });
        try {
          expect(file.prepare('SELECT max(version) AS v FROM schema_version').get()).toEqual({
            v: OUTBOX_MIGRATIONS.migrations[OUTBOX_MIGRATIONS.migrations.length - 1]?.version,
          });
          const waiting = () =>
            (file.prepare('SELECT count(*) AS n FROM outbox WHERE id LIKE ?').get(`evt-v${version}-%`) as { n: number })
              .n;
          await expect.poll(waiting, { timeout: 20_000 }).toBe(0);
        } finally {
          file.close();
        }
      } finally {
        await gateway.stop();
      }
    },
    60_000,
  );
});
