import { readFile } from 'node:fs/promises';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStream } from '../incident-stream/test-support.js';
import { signedIn } from '../people/test-support.js';
import { type RunningCloud, startCloud } from '../start.js';
import { api, manualClock, registerGateway, silentLogger, stateEvent, testCloudConfig } from '../test-support.js';
import {
  DISTRIBUTED_TABLES,
  DISTRICT_COLUMN,
  KNOWN_OPEN_JOINS,
  KNOWN_OPEN_TABLES,
  REFERENCE_TABLES,
} from './distribution.js';
import { openPostgres } from './postgres.js';
import { type DistrictVerdict, districtVerdict, recordingDb } from './test-support.js';

const DISTRICT = '320803';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const GATEWAY = 'gw-320803-801';
const AT = '2026-11-25T02:00:00.000Z';

let alerts = 0;
/** A gas alarm of the gateway's rules, raised in the community's first grid. */
function gasAlert(alertId: string): CloudEvent {
  alerts++;
  return createCloudEvent({
    id: `evt-district-${alerts}`,
    type: 'cn.gridlink.alert.raised.v1',
    gatewayId: GATEWAY,
    deviceId: 'gas-b3-u2-0401',
    time: AT,
    priority: 'alarm',
    data: {
      alert_id: alertId,
      rule_id: 'builtin.gas.leak',
      device_id: 'gas-b3-u2-0401',
      state: 'active',
      severity: 'critical',
      category: 'emergency.gas_leak',
      since: AT,
      last_seen: AT,
      occurrences: 1,
      message: { zh: '燃气浓度超限', en: 'Gas over the limit' },
      place: { community: COMMUNITY, grid: GRID, building: '3', unit: '2', floor: 4 },
    },
  } as never) as CloudEvent;
}

/**
 * The path beyond one database (docs/scaling.md): every large table carries its district, and the
 * hot paths — gateway intake, alerts becoming incidents, transitions, dispatch, the incident
 * stream, one district's KPIs and command screen — are run on real PostgreSQL while every
 * statement the cloud sends is recorded and parsed with PostgreSQL's parser. A statement that
 * leaves a distributed table's district open, or holds two of them to no one district, must be one
 * of the known ones listed in distribution.ts (and docs/scaling.md), so none is added unseen.
 */
describe('district keys (postgres)', () => {
  const database = useTestDatabase();
  const clock = manualClock(AT);
  let cloud: RunningCloud;
  let recorder: ReturnType<typeof recordingDb>;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let gatewayToken = '';

  beforeAll(async () => {
    recorder = recordingDb(openPostgres({ url: database.url, poolMax: 4, logger: silentLogger() }));
    cloud = await startCloud(testCloudConfig({ url: database.url }), silentLogger(), {
      db: recorder,
      clock,
      maintenanceSweepMs: 86_400_000,
      dispatchSweepMs: 3_600_000,
      deadlineSweepMs: 3_600_000,
    });
    const people = {
      desk: [{ role: 'operator', scope: DISTRICT }],
      checker: [{ role: 'operator', scope: DISTRICT }],
      admin: [{ role: 'district_admin', scope: DISTRICT }],
      worker: [{ role: 'grid_worker', scope: GRID }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud, `district-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    gatewayToken = await registerGateway(cloud, GATEWAY, COMMUNITY);
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  const as = (who: string) => tokens[who] as string;
  const ok = async (response: Promise<{ status: number; body: unknown }>, status = 200) => {
    const answer = await response;
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    return answer.body as Record<string, unknown>;
  };
  const step = (incident: string, who: string, action: string, data?: Record<string, unknown>) =>
    ok(
      api(cloud, 'POST', `/api/v1/incidents/${incident}/transitions`, {
        token: as(who),
        body: { action, request_id: `${incident}-${action}`, comment: '处理', ...(data ? { data } : {}) },
      }),
    );
  const send = (events: unknown[]) =>
    ok(
      api(cloud, 'POST', `/api/v1/gateways/${GATEWAY}/events`, {
        token: gatewayToken,
        rawBody: JSON.stringify(events),
        contentType: 'application/cloudevents-batch+json',
      }),
    );

  it('gives every large table a district column: generated from its own territory code, or filled from its parent', async () => {
    const { rows } = await cloud.db.query<{ table_name: string; data_type: string; is_generated: string }>(
      `SELECT table_name, data_type, is_generated FROM information_schema.columns
        WHERE table_schema = current_schema() AND column_name = $1`,
      [DISTRICT_COLUMN],
    );
    const found = new Map(rows.map((row) => [row.table_name, row]));
    for (const [table, source] of Object.entries(DISTRIBUTED_TABLES)) {
      expect(found.get(table), table).toMatchObject({
        data_type: 'text',
        is_generated: 'generated' in source ? 'ALWAYS' : 'NEVER',
      });
    }
  });

  it('names every writer of a filled district: each INSERT INTO such a table lists the district', async () => {
    const { readdir } = await import('node:fs/promises');
    const root = new URL('../', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('test-support.ts'),
    );
    const filled = Object.entries(DISTRIBUTED_TABLES)
      .filter(([, source]) => 'filledFrom' in source)
      .map(([table]) => table);
    const missing: string[] = [];
    let writers = 0;
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8');
      for (const match of text.matchAll(/INSERT INTO (\w+)\s*\(([^)]*)\)/g)) {
        if (!filled.includes(match[1] as string)) continue;
        writers++;
        if (!(match[2] as string).split(',').some((column) => column.trim() === DISTRICT_COLUMN))
          missing.push(`${file}: INSERT INTO ${match[1]}`);
      }
    }
    expect(writers).toBeGreaterThanOrEqual(filled.length);
    expect(missing).toEqual([]);
  });

  it('runs the hot paths within one district, and leaves no row of a large table without its district', async () => {
    const stream = await openStream(cloud, as('desk'));
    await stream.next('ready');
    recorder.recording = true;

    // Gateway intake: state events and an alarm, which becomes an incident.
    await send([stateEvent(GATEWAY), stateEvent(GATEWAY, 'th-101'), gasAlert('gas-1')]);
    const created = await stream.next('incident', (frame) => frame.data.category === 'emergency.gas_leak');
    const fromAlert = created.data.id as string;
    // The alert again (an update) joins the same incident.
    await send([{ ...gasAlert('gas-1'), type: 'cn.gridlink.alert.updated.v1' }]);

    // A report, taken round the loop by hand; dispatch and the time limits run as their sweeps do.
    const reported = (await ok(
      api(cloud, 'POST', '/api/v1/incidents', {
        token: as('desk'),
        body: {
          request_id: 'district-report',
          source: 'hotline_12345',
          category: 'other',
          title: '楼道堆物',
          community: COMMUNITY,
          grid: GRID,
        },
      }),
      201,
    )) as { incident: { id: string } };
    const incident = reported.incident.id;
    await cloud.dispatch.consider(fromAlert);
    await step(incident, 'desk', 'accept');
    await step(incident, 'desk', 'file');
    await step(incident, 'desk', 'dispatch', { assignee: ids.worker });
    await step(incident, 'worker', 'sign');
    await step(incident, 'worker', 'finish');
    clock.advance(3_600_000);
    await cloud.deadlines.sweep();
    await cloud.dispatch.sweep();
    await stream.next('incident', (frame) => frame.data.id === incident && frame.data.state === 'HANDLED');

    // Reading: the incident, its list, one district's KPIs and command screen.
    await ok(api(cloud, 'GET', `/api/v1/incidents/${incident}`, { token: as('desk') }));
    await ok(api(cloud, 'GET', `/api/v1/incidents/${fromAlert}`, { token: as('desk') }));
    await ok(api(cloud, 'GET', '/api/v1/incidents?limit=50', { token: as('desk') }));
    await ok(api(cloud, 'GET', '/api/v1/kpis?from=2026-11-01&to=2026-12-01&group_by=grid', { token: as('admin') }));
    await ok(api(cloud, 'GET', '/api/v1/command-centre/overview', { token: as('desk') }));
    recorder.recording = false;
    await stream.close();

    // Every row the run wrote into a large table carries its district.
    for (const table of Object.keys(DISTRIBUTED_TABLES)) {
      const { rows } = await cloud.db.query<{ open: number }>(
        `SELECT count(*) AS open FROM ${table} WHERE ${DISTRICT_COLUMN} IS NULL`,
      );
      expect(rows[0]?.open, `${table} rows without a district`).toBe(0);
    }
    const { rows: written } = await cloud.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM gateway_events WHERE ${DISTRICT_COLUMN} = $1)
            + (SELECT count(*) FROM incident_steps WHERE ${DISTRICT_COLUMN} = $1) AS n`,
      [DISTRICT],
    );
    expect(written[0]?.n).toBeGreaterThan(5);

    // Every statement, parsed: which leave a district open or hold two tables to no one district.
    const distinct = [...new Set(recorder.statements)];
    const verdicts: Array<DistrictVerdict & { sql: string }> = [];
    for (const sql of distinct) verdicts.push({ sql, ...(await districtVerdict(sql)) });
    const touching = verdicts.filter((verdict) => verdict.tables.length > 0);
    const open = new Map<string, string[]>();
    for (const verdict of touching)
      for (const finding of [...verdict.unpinned, ...verdict.crossJoins])
        open.set(finding, [...(open.get(finding) ?? []), verdict.sql]);
    const summary = {
      sent: recorder.statements.length,
      distinct: distinct.length,
      touchingDistributed: touching.length,
      heldToOneDistrict: touching.filter((v) => v.unpinned.length === 0 && v.crossJoins.length === 0).length,
    };
    const held = touching.filter((v) => v.unpinned.length === 0 && v.crossJoins.length === 0);
    console.info(
      `district keys: ${JSON.stringify(summary)}; held: ${held.map((v) => v.sql.trim().split(/\s+/).slice(0, 3).join(' ')).join('; ')}; open findings: ${[...open.keys()].sort().join(', ')}`,
    );
    expect(summary.touchingDistributed).toBeGreaterThan(20);
    const known = new Set<string>([...KNOWN_OPEN_TABLES, ...KNOWN_OPEN_JOINS]);
    const unknown = [...open.keys()].filter((finding) => !known.has(finding));
    expect(
      unknown.map((finding) => `${finding}: ${open.get(finding)?.[0]?.replace(/\s+/g, ' ')}`),
      'statements of the hot path that leave their district open: add `district = $n`, or list them as known work',
    ).toEqual([]);
  }, 60_000);

  it('names every distributed and reference table, and every known open finding, in docs/scaling.md', async () => {
    const doc = await readFile(new URL('../../../docs/scaling.md', import.meta.url), 'utf8');
    const named = (name: string) => doc.includes(`\`${name}\``);
    const tables = [...Object.keys(DISTRIBUTED_TABLES), ...REFERENCE_TABLES];
    expect(tables.filter((table) => !named(table))).toEqual([]);
    expect([...KNOWN_OPEN_TABLES, ...KNOWN_OPEN_JOINS].filter((finding) => !named(finding))).toEqual([]);
  });

  it('refuses a statement that leaves its district open, and passes one held to a district', async () => {
    expect(await districtVerdict('SELECT * FROM incidents WHERE id = $1')).toMatchObject({ unpinned: ['incidents'] });
    expect(
      await districtVerdict(
        `SELECT i.id FROM incidents AS i JOIN incident_steps AS s ON s.incident_id = i.id AND s.district = i.district
          WHERE i.district = $1 AND i.id = $2`,
      ),
    ).toEqual({ tables: ['incident_steps', 'incidents'], unpinned: [], crossJoins: [] });
    expect(
      await districtVerdict(
        'SELECT i.id FROM incidents AS i JOIN incident_steps AS s ON s.incident_id = i.id WHERE i.district = $1',
      ),
    ).toEqual({
      tables: ['incident_steps', 'incidents'],
      unpinned: ['incident_steps'],
      crossJoins: ['incident_steps⋈incidents'],
    });
    // OR promises nothing for every row; a reference table joins freely.
    expect(
      await districtVerdict(
        `SELECT i.id FROM incidents AS i JOIN categories AS c ON c.code = i.category_code
          WHERE i.district = $1 OR i.id = $2`,
      ),
    ).toMatchObject({ unpinned: ['incidents'] });
    expect(
      await districtVerdict('INSERT INTO incident_steps (incident_id, district, seq) VALUES ($1, $2, 1)'),
    ).toMatchObject({ unpinned: [] });
    expect(await districtVerdict('INSERT INTO incident_steps (incident_id, seq) VALUES ($1, 1)')).toMatchObject({
      unpinned: ['incident_steps'],
    });
    expect(await districtVerdict('INSERT INTO devices (community, device_id) VALUES ($1, $2)')).toMatchObject({
      unpinned: [],
    });
  });
});
