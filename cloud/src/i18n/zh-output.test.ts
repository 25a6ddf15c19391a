import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATE_MACHINE } from '../incidents/index.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, registerGateway, useTestCloud } from '../test-support.js';
import { CATALOGUE, VOCABULARIES } from './catalogue.js';
import { englishWords } from './english-words.js';
import { LANGUAGES } from './message.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001002';

/** Waits (polling, no fixed sleep) until `probe` answers something `done` accepts. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the message catalogue', () => {
  it('has every message and every word in zh-CN and English, the zh-CN free of English words', () => {
    const templates = [...Object.values(CATALOGUE), ...Object.values(VOCABULARIES).flatMap(Object.values)];
    for (const template of templates) {
      for (const language of LANGUAGES) expect(template[language], JSON.stringify(template)).toBeTruthy();
      // Parameters are not words: {name@vocabulary}.
      const words = englishWords(template['zh-CN'].replace(/\{[^}]*\}/g, ''));
      expect(words, template['zh-CN']).toEqual([]);
    }
  });
  it('names every action and state of the incident state machine (a code missing renders as itself)', () => {
    const actions = new Set(STATE_MACHINE.map((rule) => rule.action));
    const states = new Set(STATE_MACHINE.flatMap((rule) => (rule.from === null ? [rule.to] : [rule.from, rule.to])));
    expect([...actions].filter((action) => !VOCABULARIES.action?.[action])).toEqual([]);
    expect([...states].filter((state) => !VOCABULARIES.state?.[state])).toEqual([]);
  });
});

/**
 * What the server writes for people, read in zh-CN (the default): a device's incident, its steps
 * (fast track, automatic dispatch, time limits), the notifications, problem details and the KPI
 * report carry no English words beyond names and codes; English is there when asked for.
 */
describe.each(BACKENDS)('server text in the Chinese interface (%s)', (backend) => {
  const clock = manualClock('2026-11-27T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, deadlineSweepMs: 3_600_000, dispatchSweepMs: 3_600_000 });
  let operator = '';
  let worker = '';
  let incidentId = '';
  const pushed: Array<{ title: { zh: string; en: string }; text: { zh: string; en: string } }> = [];

  beforeAll(async () => {
    const op = await signedIn(cloud(), `${backend}-zh-operator`, [{ role: 'operator', scope: COMMUNITY }]);
    operator = op.token;
    worker = (await signedIn(cloud(), `${backend}-zh-worker`, [{ role: 'grid_worker', scope: GRID }])).token;
    cloud().dispatch.live.subscribe(op.user.id, (frame) => {
      pushed.push(JSON.parse(frame.split('\ndata: ')[1] ?? '{}'));
    });
    const gateway = `gw-${backend}-zh`;
    const token = await registerGateway(cloud(), gateway);
    const data: AlertPayload = {
      alert_id: `alert-${backend}-zh-1`,
      rule_id: 'smoke.alarm',
      device_id: 'smoke-b5-u1-0301',
      state: 'active',
      severity: 'critical',
      category: 'emergency.fire',
      since: clock().toISOString(),
      last_seen: clock().toISOString(),
      occurrences: 1,
      message: { zh: 'smoke-b5-u1-0301 烟雾报警', en: 'Smoke alarm at smoke-b5-u1-0301' },
      place: { community: COMMUNITY, grid: GRID, building: '5', unit: '1', floor: 3 },
    };
    const event = createCloudEvent({
      id: `evt-${backend}-zh-1`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: gateway,
      deviceId: 'smoke-b5-u1-0301',
      time: clock().toISOString(),
      data,
      priority: 'alarm',
    }) as CloudEvent;
    const sent = await api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      token,
      rawBody: JSON.stringify([event]),
      contentType: 'application/cloudevents-batch+json',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    // Fast-tracked to FILED; nobody on duty in the grid, so the operators are told.
    await until(
      async () => {
        const { rows } = await cloud().db.query<{ id: string; state: string }>(
          'SELECT id, state FROM incidents WHERE alert_id = $1',
          [data.alert_id],
        );
        incidentId = rows[0]?.id ?? '';
        return rows[0]?.state;
      },
      (state) => state === 'FILED',
      'the alert’s incident to be filed',
    );
    await until(
      async () => pushed.length,
      (count) => count > 0,
      'the operators to be told',
    );
    // The filing-and-dispatch limit passes and nobody signed: the time limits write their steps.
    clock.advance(10 * 60_000 + 1000);
    await cloud().deadlines.sweep();
    await until(
      async () => (await cloud().incidents.steps(incidentId)).map((step) => step.action),
      (actions) => actions.includes('overdue') && actions.includes('notifyUp'),
      'the time limits’ steps',
    );
  }, 60_000);

  const zhTexts = async (language?: string): Promise<Record<string, string>> => {
    const headers = language ? { 'accept-language': language } : undefined;
    const get = (path: string, token = operator) =>
      api<Record<string, unknown>>(cloud(), 'GET', path, { token, ...(headers ? { headers } : {}) });
    const texts: Record<string, string> = {};
    const list = await get('/api/v1/incidents');
    for (const incident of list.body.incidents as Array<{ id: string; title: string; description: string | null }>) {
      texts[`list ${incident.id} title`] = incident.title;
      texts[`list ${incident.id} description`] = incident.description ?? '';
    }
    const detail = await get(`/api/v1/incidents/${incidentId}`);
    const steps = detail.body.steps as Array<{ seq: number; action: string; comment: string | null }>;
    for (const step of steps) texts[`step ${step.seq} ${step.action}`] = step.comment ?? '';
    const problems = [
      await api(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        ...(headers ? { headers } : {}),
        body: { request_id: 'zh-1', source: 'patrol', category: 'other', title: '外区', community: '320803002001' },
      }),
      await api(cloud(), 'POST', `/api/v1/incidents/${incidentId}/transitions`, {
        token: worker,
        ...(headers ? { headers } : {}),
        body: { action: 'sign', request_id: 'zh-2' },
      }),
      await api(cloud(), 'POST', `/api/v1/incidents/${incidentId}/transitions`, {
        token: operator,
        ...(headers ? { headers } : {}),
        body: { action: 'close', request_id: 'zh-3' },
      }),
      await api(cloud(), 'POST', `/api/v1/incidents/${incidentId}/transitions`, {
        token: operator,
        ...(headers ? { headers } : {}),
        body: { action: 'dispatch', request_id: 'zh-4' },
      }),
      await get('/api/v1/incidents/INC-20990101-000001'),
    ];
    problems.forEach((problem, n) => {
      const body = problem.body as { title: string; detail: string; errors?: Array<{ detail: string }> };
      expect(problem.status).toBeGreaterThanOrEqual(400);
      texts[`problem ${n} title`] = body.title;
      texts[`problem ${n} detail`] = body.detail;
      for (const [i, error] of (body.errors ?? []).entries()) texts[`problem ${n} error ${i}`] = error.detail;
    });
    const csv = await fetch(
      `${cloud().url}/api/v1/kpis/report.csv?from=2026-11-01T00:00:00%2B08:00&to=2026-12-01T00:00:00%2B08:00`,
      {
        headers: { authorization: `Bearer ${operator}`, ...(headers ?? {}) },
      },
    );
    expect(csv.status).toBe(200);
    texts['kpi csv'] = (await csv.text()).split('\r\n')[0] ?? '';
    return texts;
  };

  it('reads the incident, its steps, problem details and the KPI report without English words', async () => {
    const texts = await zhTexts();
    const english = Object.fromEntries(
      Object.entries(texts)
        .map(([where, text]) => [where, englishWords(text)] as const)
        .filter(([, words]) => words.length > 0),
    );
    expect(english).toEqual({});
    // The steps the cloud wrote are all there, in Chinese.
    expect(texts[Object.keys(texts).find((key) => key.endsWith(' accept')) ?? '']).toMatch(/紧急/);
  });

  it('writes notifications whose Chinese text has no English words', () => {
    expect(pushed.length).toBeGreaterThan(0);
    for (const notification of pushed) {
      expect(englishWords(notification.title.zh), notification.title.zh).toEqual([]);
      expect(englishWords(notification.text.zh), notification.text.zh).toEqual([]);
    }
  });

  it('answers in English when the reader asks for it, with the same problem codes', async () => {
    const texts = await zhTexts('en-US,en;q=0.9');
    expect(texts[`list ${incidentId} title`]).toBe('Smoke alarm at smoke-b5-u1-0301');
    expect(Object.values(texts).join(' ')).toMatch(/fast track/);
    expect(texts['kpi csv']).toMatch(/^\uFEFF?Level,Code,Name/);
    expect(texts['problem 0 detail']).toMatch(/you may not report incidents in 320803002001/);
  });
});
