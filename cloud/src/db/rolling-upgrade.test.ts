import { CLOUDEVENTS_BATCH_CONTENT_TYPE, type CloudEvent } from '@gridlink/protocol';
import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../start.js';
import { api, registerGateway, silentLogger, stateEvent, testCloudConfig } from '../test-support.js';
import { readMigrations } from './migrate.js';

const migrations = await readMigrations();
const latest = migrations[migrations.length - 1];
if (latest === undefined) throw new Error('no migrations');
const previous = migrations.slice(0, -1);

/** The first migration written under the expand/contract rule: earlier ones predate it. */
const RULE_SINCE = 48;

/**
 * What a migration must not do while the previous release still serves from the same database
 * (expand/contract): drop or rename a table or column, change a column's type, or add NOT NULL to
 * an existing column. Such a step belongs in a later release's migration, marked `-- contract:`,
 * once no replica of the release that used the old shape runs.
 */
const CONTRACT =
  /\b(DROP\s+(TABLE|COLUMN)|RENAME\s+(TO|COLUMN)|ALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE|SET\s+NOT\s+NULL)\b/i;

const send = (cloud: RunningCloud, gateway: string, token: string, events: CloudEvent[]) =>
  api<{ results: Array<{ id: string; status: string }> }>(cloud, 'POST', `/api/v1/gateways/${gateway}/events`, {
    token,
    body: events,
    contentType: CLOUDEVENTS_BATCH_CONTENT_TYPE,
  });

const statuses = async (response: ReturnType<typeof send>) => (await response).body.results.map((r) => r.status);

describe('a rolling upgrade: two replicas on one PostgreSQL, one of the previous schema and one of the latest', () => {
  const database = useTestDatabase();
  const replicas: RunningCloud[] = [];
  afterAll(async () => {
    for (const replica of replicas.reverse()) await replica.stop();
  });
  const start = async (which: typeof migrations) => {
    const replica = await startCloud(testCloudConfig({ url: database.url }), silentLogger(), {
      migrations: which,
      maintenanceSweepMs: 86_400_000,
    });
    replicas.push(replica);
    return replica;
  };

  it(`keeps the replica started before ${latest.name} serving reads and writes (its pool and prepared statements warm) while the newer replica applies it, and both see each other's writes`, async () => {
    const older = await start(previous);
    const token = await registerGateway(older, 'gw-rolling');
    const before = [stateEvent('gw-rolling'), stateEvent('gw-rolling')];
    expect(await statuses(send(older, 'gw-rolling', token, before))).toEqual(['accepted', 'accepted']);
    const version = async () =>
      (await older.db.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v;
    expect(await version()).toBe(previous[previous.length - 1]?.version);

    const newer = await start(migrations);
    expect(await version()).toBe(latest.version);

    // The older replica, after the migration: its earlier writes still known, new ones taken.
    const after = stateEvent('gw-rolling');
    expect(await statuses(send(older, 'gw-rolling', token, [before[0] as CloudEvent, after]))).toEqual([
      'duplicate',
      'accepted',
    ]);
    expect((await api(older, 'GET', '/readyz')).status).toBe(200);
    // A gateway registered on the older replica works on the newer one, and the other way round.
    const second = await registerGateway(older, 'gw-rolling-2');
    expect(await statuses(send(newer, 'gw-rolling-2', second, [stateEvent('gw-rolling-2')]))).toEqual(['accepted']);
    expect(await statuses(send(newer, 'gw-rolling', token, [after]))).toEqual(['duplicate']);
    const third = await registerGateway(newer, 'gw-rolling-3');
    expect(await statuses(send(older, 'gw-rolling-3', third, [stateEvent('gw-rolling-3')]))).toEqual(['accepted']);
  }, 60_000);

  it.each(migrations.filter((migration) => migration.version >= RULE_SINCE))(
    '$name only expands the schema, or says it contracts it',
    (migration) => {
      const statements = migration.sql.replace(/--.*$/gm, '');
      if (/^-- contract:/m.test(migration.sql)) return;
      expect(CONTRACT.exec(statements)?.[0] ?? 'nothing that breaks the previous release').toBe(
        'nothing that breaks the previous release',
      );
    },
  );
});
