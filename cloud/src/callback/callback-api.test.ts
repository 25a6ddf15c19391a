import { describe, expect, it } from 'vitest';
import { finishedBy, GRID, STREET, useIncidentApi } from '../http/incident-api-fixture.js';
import { auditOf } from '../people/audit.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN } from '../test-support.js';
import { verdictsOf } from './verdicts.js';

const OTHER_STREET = '320803002';

/**
 * The callback (回访, docs/domain.md §3) over HTTP: a verdict is a satisfaction level, whether the
 * matter was solved and a note, through a channel; satisfied (or basically) and solved closes the
 * loop, anything else is an unsatisfied callback the tenant's policy sends back or only records.
 */
describe.each(BACKENDS)('the callback (%s)', (backend) => {
  const { cloud, tokens, ids, act, step, report, brought, updateIncidentSettings } = useIncidentApi(
    backend,
    'callback',
    {
      operator: [{ role: 'operator', scope: STREET }],
      worker: [{ role: 'grid_worker', scope: GRID }],
      agent: [{ role: 'callback_agent', scope: STREET }],
      elsewhere: [{ role: 'callback_agent', scope: OTHER_STREET }],
    },
  );
  // A function: the people's ids are known once they signed in.
  const closeSteps = () =>
    [
      ...finishedBy('operator', 'worker', ids),
      ['operator', 'startCheck'],
      ['operator', 'pass'],
      ['operator', 'close'],
    ] as const;
  const closedIncident = (title: string) => brought('worker', title, 'other', closeSteps());
  const verdict = (who: 'agent' | 'elsewhere' | 'operator', id: string, body: Record<string, unknown>) =>
    api<Record<string, unknown>>(cloud(), 'POST', `/api/v1/callbacks/${id}/verdict`, {
      token: tokens[who],
      body: { request_id: `${id}-verdict-${who}`, ...body },
    });
  const queue = (who: 'agent' | 'elsewhere' | 'operator' | 'worker') =>
    api<{ items?: Array<Record<string, unknown>> }>(cloud(), 'GET', '/api/v1/callbacks/queue', {
      token: tokens[who],
    });

  const COMBINATIONS = (['satisfied', 'basically_satisfied', 'unsatisfied'] as const).flatMap((satisfaction) =>
    [true, false].map((solved) => ({ satisfaction, solved })),
  );

  it.each([
    ['rework', 'DISPATCHED'],
    ['evaluate', 'EVALUATED'],
  ] as const)(
    'maps every verdict to the engine’s action, an unsatisfied one by the “%s” policy',
    async (policy, unsatisfiedTo) => {
      await updateIncidentSettings({ unsatisfied_callback: policy, callback: 'agents' });
      const incidents = await Promise.all(
        COMBINATIONS.map((c) => closedIncident(`map-${policy}-${c.satisfaction}-${c.solved}`)),
      );
      const answers = await Promise.all(
        COMBINATIONS.map((c, i) =>
          verdict('agent', incidents[i] as string, { ...c, note: `${c.satisfaction} ${c.solved}` }),
        ),
      );
      for (const [i, c] of COMBINATIONS.entries()) {
        const answer = answers[i];
        expect(answer?.status, JSON.stringify(answer?.body)).toBe(200);
        const satisfied = c.satisfaction !== 'unsatisfied' && c.solved;
        expect(answer?.body).toMatchObject({
          action: satisfied ? 'callbackSatisfied' : 'callbackUnsatisfied',
          state: satisfied ? 'EVALUATED' : unsatisfiedTo,
        });
        const stored = await verdictsOf(cloud().db, incidents[i] as string);
        expect(stored).toEqual([
          expect.objectContaining({
            satisfaction: c.satisfaction,
            solved: c.solved,
            note: `${c.satisfaction} ${c.solved}`,
            channel: 'agent',
            actor: ids.agent,
          }),
        ]);
      }
    },
  );

  it('records the verdict fields sent through the incident’s transitions route, and keeps older callers working', async () => {
    await updateIncidentSettings({ unsatisfied_callback: 'evaluate', callback: 'agents' });
    const [plain, detailed, contradictory] = await Promise.all([
      closedIncident('route-plain'),
      closedIncident('route-detailed'),
      closedIncident('route-contradictory'),
    ]);
    // Only the action, as the incident page sends it: the action says the verdict.
    await step(plain as string, 'agent', 'callbackSatisfied');
    expect(await verdictsOf(cloud().db, plain as string)).toEqual([
      expect.objectContaining({ satisfaction: 'satisfied', solved: true, channel: 'agent' }),
    ]);
    await step(detailed as string, 'agent', 'callbackUnsatisfied', {
      satisfaction: 'basically_satisfied',
      solved: false,
      channel: 'visit',
      note: '路灯已修，但仍有噪音',
    });
    expect(await verdictsOf(cloud().db, detailed as string)).toEqual([
      expect.objectContaining({ satisfaction: 'basically_satisfied', solved: false, channel: 'visit' }),
    ]);
    // A verdict that says "satisfied and solved" is not an unsatisfied callback: refused, naming the field.
    const refused = await act('agent', contradictory as string, {
      action: 'callbackUnsatisfied',
      request_id: 'contradictory',
      data: { satisfaction: 'satisfied', solved: true },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('/data/solved');
    const wrongChannel = await act('agent', contradictory as string, {
      action: 'callbackSatisfied',
      request_id: 'wrong-channel',
      data: { channel: 'fax' },
    });
    expect(wrongChannel.status).toBe(400);
    expect(JSON.stringify(wrongChannel.body)).toContain('/data/channel');
    expect(await verdictsOf(cloud().db, contradictory as string)).toEqual([]);
  });

  it('refuses a verdict without its fields, naming each', async () => {
    const id = await closedIncident('verdict-missing');
    const answer = await verdict('agent', id, { satisfaction: 'very' });
    expect(answer.status).toBe(400);
    const text = JSON.stringify(answer.body);
    expect(text).toContain('/satisfaction');
    expect(text).toContain('/solved');
  });

  it('queues the closed incidents of the agent’s territory, oldest first, with the reporter’s phone masked', async () => {
    await updateIncidentSettings({ unsatisfied_callback: 'rework', callback: 'agents' });
    const contact = await api(cloud(), 'PUT', `/api/v1/users/${ids.worker}/contact`, {
      token: TEST_ADMIN_TOKEN,
      body: { phone: '13812341234' },
    });
    expect(contact.status, JSON.stringify(contact.body)).toBe(200);
    const first = await closedIncident('queue-first');
    const second = await closedIncident('queue-second');
    const open = await report('worker', 'queue-open', { category: 'other', title: 'queue-open' });

    const mine = await queue('agent');
    expect(mine.status).toBe(200);
    const listed = (mine.body.items ?? []).map((item) => item.id);
    expect(listed).toContain(first);
    expect(listed).toContain(second);
    expect(listed).not.toContain(open);
    expect(listed.indexOf(first)).toBeLessThan(listed.indexOf(second));
    const item = (mine.body.items ?? []).find((candidate) => candidate.id === first);
    expect(item).toMatchObject({ reporter_phone_masked: '138****1234', may_reveal: true, source: 'patrol' });
    expect(JSON.stringify(mine.body)).not.toContain('13812341234');

    // Another street's agent sees none of them; a grid worker has no queue at all.
    const theirs = await queue('elsewhere');
    expect(theirs.status).toBe(200);
    expect((theirs.body.items ?? []).map((i) => i.id)).not.toContain(first);
    expect((await queue('worker')).status).toBe(403);

    // Once called back, it leaves the queue.
    expect((await verdict('agent', first, { satisfaction: 'satisfied', solved: true })).status).toBe(200);
    expect(((await queue('agent')).body.items ?? []).map((i) => i.id)).not.toContain(first);
  });

  it('reveals the reporter’s phone to the agent, audited, and to nobody outside the scope', async () => {
    await api(cloud(), 'PUT', `/api/v1/users/${ids.worker}/contact`, {
      token: TEST_ADMIN_TOKEN,
      body: { phone: '13812341234' },
    });
    const id = await closedIncident('reveal');
    const reveal = (who: 'agent' | 'elsewhere' | 'worker') =>
      api<Record<string, unknown>>(cloud(), 'POST', `/api/v1/callbacks/${id}/reveal-contact`, {
        token: tokens[who],
      });
    const shown = await reveal('agent');
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body).toEqual({ incident_id: id, phone: '13812341234' });
    const audited = (await auditOf(cloud().db, `incident:${id}`)).filter((r) => r.action === 'callback.reveal_contact');
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain('13812341234');

    expect((await reveal('elsewhere')).status).toBe(404);
    expect((await reveal('worker')).status).toBe(404);
    expect(
      (await auditOf(cloud().db, `incident:${id}`)).filter((r) => r.action === 'callback.reveal_contact'),
    ).toHaveLength(1);
    // Nor to anyone once the callback is done.
    await verdict('agent', id, { satisfaction: 'satisfied', solved: true });
    expect((await reveal('agent')).status).toBe(404);
  });

  it('counts the verdicts in the KPIs per channel (incident source)', async () => {
    await updateIncidentSettings({ unsatisfied_callback: 'evaluate', callback: 'agents' });
    const hotline = await report('operator', 'kpi-hotline', {
      category: 'other',
      title: 'kpi-hotline',
      source: 'hotline_12345',
    });
    for (const [by, action, data] of closeSteps()) await step(hotline, by, action, data);
    const patrol = await closedIncident('kpi-patrol');
    expect((await verdict('agent', hotline, { satisfaction: 'basically_satisfied', solved: true })).status).toBe(200);
    expect((await verdict('agent', patrol, { satisfaction: 'unsatisfied', solved: false })).status).toBe(200);
    const day = 86_400_000;
    const kpis = (source: string) =>
      api<{
        groups: Array<{
          key: string;
          counts: Record<string, number>;
          rates: Record<string, { percent: number | null }>;
        }>;
      }>(
        cloud(),
        'GET',
        `/api/v1/kpis?from=${new Date(Date.now() - day).toISOString()}&to=${new Date(Date.now() + day).toISOString()}&group_by=street&source=${source}`,
        { token: tokens.operator },
      );
    const byHotline = await kpis('hotline_12345');
    expect(byHotline.status, JSON.stringify(byHotline.body)).toBe(200);
    expect(byHotline.body.groups).toEqual([
      expect.objectContaining({
        key: STREET,
        counts: expect.objectContaining({ closed: 1, callbacks: 1, satisfied: 1, strictlySatisfied: 0, solved: 1 }),
      }),
    ]);
    expect(byHotline.body.groups[0]?.rates.satisfaction_rate?.percent).toBe(100);
    expect(byHotline.body.groups[0]?.rates.strict_satisfaction_rate?.percent).toBe(0);
    const byPatrol = await kpis('patrol');
    const counts = byPatrol.body.groups[0]?.counts;
    expect(counts?.callbacks).toBeGreaterThanOrEqual(1);
    expect(counts?.satisfied).toBeLessThan(counts?.callbacks ?? 0);
    const unknown = await kpis('fax');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('source');
  });
});
