import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { MediationKpiRow } from './kpis.js';
import { purgeMediation } from './retention.js';
import type { CaseDetailWithLinks } from './routes.js';
import type { CasePage, CaseView, PartyView } from './store.js';

const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const OTHER_GRID = `${COMMUNITY}002`;
/** The smallest PDF header the content sniffing accepts. */
const PDF = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1');

type Problem = { code: string; detail: string; errors?: { pointer?: string; detail: string }[] };

/**
 * Dispute mediation over HTTP, on both databases: a grid worker opens a case for a dispute in
 * their grid, the mediator assigned works it; parties are sealed, masked and revealed with an
 * audit record; outcomes refer failures up; consent withdrawal and retention erase personal data.
 */
describe.each(BACKENDS)('the mediation API (%s)', (backend) => {
  const clock = manualClock('2026-12-06T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const incidents: Record<string, string> = {};
  const call = <T>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
    });
  const report = async (key: string, category: string, grid: string) => {
    const created = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: {
        request_id: `${backend}-med-${key}`,
        source: 'hotline_12345',
        category,
        title: '邻里噪音纠纷',
        community: COMMUNITY,
        grid,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    incidents[key] = created.body.incident.id;
  };
  const openCase = async (incident = 'dispute', mediator = 'mediator') => {
    const opened = await call<{ case: CaseView }>('worker', 'POST', '/mediation/cases', {
      incident_id: incidents[incident],
      dispute_type: 'neighbour',
      mediator_id: ids[mediator],
      summary: '楼上楼下噪音',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return opened.body.case;
  };
  const addParty = async (caseId: string, body: Record<string, unknown>) => {
    const added = await call<{ party: PartyView }>('mediator', 'POST', `/mediation/cases/${caseId}/parties`, {
      consent: 'given',
      ...body,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    return added.body.party;
  };
  const upload = async <T>(caseId: string, bytes: Buffer, name?: string) => {
    const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
    const response = await fetch(`${cloud().url}/api/v1/mediation/cases/${caseId}/agreement${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.mediator}`, 'content-type': 'application/pdf' },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const session = (caseId: string, attendees: string[]) =>
    call('mediator', 'POST', `/mediation/cases/${caseId}/sessions`, {
      held_at: '2026-12-06T09:30:00+08:00',
      place: '社区调解室',
      attendee_ids: attendees,
      notes: '双方陈述，约定夜间十点后不再装修',
    });

  beforeAll(async () => {
    const cast = {
      worker: [{ role: 'grid_worker', scope: GRID }],
      otherworker: [{ role: 'grid_worker', scope: OTHER_GRID }],
      operator: [{ role: 'operator', scope: STREET }],
      streetadmin: [{ role: 'district_admin', scope: STREET }],
      faradmin: [{ role: 'district_admin', scope: '320803002' }],
      mediator: [{ role: 'mediator', scope: COMMUNITY }],
      mediator2: [{ role: 'mediator', scope: STREET }],
      faroffmediator: [{ role: 'mediator', scope: '320803002' }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const { user, token } = await signedIn(cloud(), `${backend}-med-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    tokens.admin = TEST_ADMIN_TOKEN;
    await report('dispute', 'dispute', GRID);
    await report('second', 'dispute', GRID);
    await report('leak', 'livelihood.water_leak', GRID);
  });

  it('opens a case only for a dispute incident the caller covers, with a mediator of the place', async () => {
    const leak = await call<Problem>('worker', 'POST', '/mediation/cases', {
      incident_id: incidents.leak,
      dispute_type: 'neighbour',
      mediator_id: ids.mediator,
    });
    expect(leak.status).toBe(400);
    expect(leak.body.errors?.[0]?.pointer).toBe('/incident_id');
    const stranger = await call<Problem>('otherworker', 'POST', '/mediation/cases', {
      incident_id: incidents.dispute,
      dispute_type: 'neighbour',
      mediator_id: ids.mediator,
    });
    expect(stranger.status).toBe(404);
    const wrongMediator = await call<Problem>('worker', 'POST', '/mediation/cases', {
      incident_id: incidents.dispute,
      dispute_type: 'neighbour',
      mediator_id: ids.faroffmediator,
    });
    expect(wrongMediator.status).toBe(400);
    expect(wrongMediator.body.errors?.[0]?.pointer).toBe('/mediator_id');
    const badType = await call<Problem>('worker', 'POST', '/mediation/cases', {
      incident_id: incidents.dispute,
      dispute_type: 'quarrel',
      mediator_id: ids.mediator,
    });
    expect(badType.status).toBe(400);
    expect(badType.body.errors?.[0]?.pointer).toBe('/dispute_type');
    expect((await call('property', 'GET', '/mediation/cases')).status).toBe(403);
    const mediators = await call<{ dispute: boolean; mediators: { id: string }[] }>(
      'worker',
      'GET',
      `/mediation/mediators?incident_id=${incidents.dispute}`,
    );
    expect(mediators.body.dispute).toBe(true);
    expect(mediators.body.mediators.map((m) => m.id).sort()).toEqual([ids.mediator, ids.mediator2].sort());
    const opened = await openCase();
    expect(opened).toMatchObject({ level: 'people', state: 'open', territory: GRID, mediator: { id: ids.mediator } });
  });

  it('seals parties at rest, masks them in lists, and audits each reveal; out-of-scope callers get not-found', async () => {
    const found = await call<CasePage>('mediator', 'GET', '/mediation/cases');
    const id = found.body.cases[0]?.id as string;
    const zhang = await addParty(id, {
      name: '张三',
      phone: '13812341234',
      id_number: '110101199003071234',
      role: 'applicant',
    });
    expect(zhang).toMatchObject({
      name_masked: '张*',
      phone_masked: '138****1234',
      id_number_masked: '1101**********1234',
    });
    await addParty(id, { name: '李四', phone: '13900001111', role: 'respondent' });
    const { rows } = await cloud().db.query('SELECT * FROM mediation_parties WHERE case_id = $1', [id]);
    const raw = JSON.stringify(rows);
    for (const clear of ['张三', '13812341234', '110101199003071234', '李四']) expect(raw).not.toContain(clear);

    const list = await call<CasePage>('operator', 'GET', '/mediation/cases?state=open&level=people');
    expect(list.body.cases.map((c) => c.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('13812341234');
    expect(list.body.cases.find((c) => c.id === id)?.parties.map((p) => p.name_masked)).toEqual(['张*', '李*']);

    const revealed = await call<{ name: string; phone: string; id_number: string }>(
      'mediator',
      'POST',
      `/mediation/cases/${id}/parties/${zhang.id}/reveal`,
    );
    expect(revealed.body).toMatchObject({ name: '张三', phone: '13812341234', id_number: '110101199003071234' });
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    const audit = await auditOf(cloud().db, `mediation_case:${id}`);
    expect(audit.filter((r) => r.action === 'mediation.party.reveal')).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('13812341234');
    // The street's admin reads the case's audit trail; another street's admin does not.
    const trail = (who: string) =>
      call<{ records: { action: string }[] }>(who, 'GET', `/audit-log?target=mediation_case:${id}`);
    expect((await trail('streetadmin')).body.records.map((r) => r.action)).toContain('mediation.party.reveal');
    expect((await trail('faradmin')).body.records ?? []).toEqual([]);

    // Another grid's worker, a mediator elsewhere and a mediator of the place not assigned: not found.
    for (const who of ['otherworker', 'faroffmediator', 'mediator2']) {
      expect((await call(who, 'GET', `/mediation/cases/${id}`)).status, who).toBe(404);
      expect((await call(who, 'POST', `/mediation/cases/${id}/parties/${zhang.id}/reveal`)).status, who).toBe(404);
      expect(
        (await call<CasePage>(who, 'GET', '/mediation/cases')).body.cases.map((c) => c.id),
        who,
      ).not.toContain(id);
    }
    expect((await call('mediator', 'GET', '/mediation/cases/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(
      (await auditOf(cloud().db, `mediation_case:${id}`)).filter((r) => r.action === 'mediation.party.reveal'),
    ).toHaveLength(1);
  });

  it('records sessions among the parties, and refers a failed case to the next level with its parties', async () => {
    const id = (await call<CasePage>('mediator', 'GET', '/mediation/cases')).body.cases[0]?.id as string;
    const detail = (await call<{ case: CaseDetailWithLinks }>('mediator', 'GET', `/mediation/cases/${id}`)).body.case;
    const partyIds = detail.parties.map((p) => p.id);
    const early = await call<Problem>('mediator', 'POST', `/mediation/cases/${id}/outcome`, { outcome: 'failed' });
    expect(early.status).toBe(409);
    const stranger = await session(id, ['00000000-0000-4000-8000-000000000000']);
    expect(stranger.status).toBe(400);
    expect((stranger.body as Problem).errors?.[0]?.pointer).toBe('/attendee_ids/0');
    expect((await session(id, partyIds)).status).toBe(201);

    const noMediator = await call<Problem>('mediator', 'POST', `/mediation/cases/${id}/outcome`, {
      outcome: 'failed',
      referral: 'next_level',
    });
    expect(noMediator.status).toBe(400);
    expect(noMediator.body.errors?.[0]?.pointer).toBe('/next_mediator_id');
    const referred = await call<{ case: CaseView; referred_to: CaseView }>(
      'mediator',
      'POST',
      `/mediation/cases/${id}/outcome`,
      { outcome: 'failed', referral: 'next_level', next_mediator_id: ids.mediator2, note: '双方分歧较大' },
    );
    expect(referred.status, JSON.stringify(referred.body)).toBe(200);
    expect(referred.body.case).toMatchObject({ state: 'closed', outcome: 'failed', referral: 'next_level' });
    expect(referred.body.referred_to).toMatchObject({
      level: 'administrative',
      state: 'open',
      referred_from: id,
      mediator: { id: ids.mediator2 },
    });
    expect(referred.body.referred_to.parties.map((p) => p.name_masked)).toEqual(['张*', '李*']);
    const next = referred.body.referred_to.id;
    const nextDetail = await call<{ case: CaseDetailWithLinks }>('mediator2', 'GET', `/mediation/cases/${next}`);
    expect(nextDetail.body.case.history).toEqual([expect.objectContaining({ id, level: 'people', outcome: 'failed' })]);
    const nextParty = nextDetail.body.case.parties[0]?.id as string;
    const revealed = await call<{ name: string }>(
      'mediator2',
      'POST',
      `/mediation/cases/${next}/parties/${nextParty}/reveal`,
    );
    expect(revealed.body.name).toBe('张三');
    // The first mediator has no part in the next level's case; the closed one takes nothing more.
    expect((await call('mediator', 'GET', `/mediation/cases/${next}`)).status).toBe(404);
    expect((await session(id, [])).status).toBe(409);
  });

  it('keeps the signed agreement, plans a follow-up and records it honoured', async () => {
    const opened = await openCase('second');
    const party = await addParty(opened.id, { name: '王五', phone: '13700002222', role: 'applicant' });
    expect((await session(opened.id, [party.id])).status).toBe(201);
    const early = await upload<Problem>(opened.id, PDF);
    expect(early.status).toBe(409);
    const agreed = await call('mediator', 'POST', `/mediation/cases/${opened.id}/outcome`, { outcome: 'agreement' });
    expect(agreed.status).toBe(200);
    const uploaded = await upload<{ case: CaseDetailWithLinks }>(opened.id, PDF, '调解协议书.pdf');
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const agreement = uploaded.body.case.agreement;
    expect(agreement).toMatchObject({ media_type: 'application/pdf', size_bytes: PDF.byteLength });
    const file = await fetch(`${cloud().url}${agreement?.url}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PDF);
    expect((await fetch(`${cloud().url}/api/v1/mediation/cases/${opened.id}/agreement?access=forged`)).status).toBe(
      401,
    );
    const { rows } = await cloud().db.query<{ tag: string; incident_id: string }>(
      'SELECT tag, incident_id FROM attachments WHERE id = $1',
      [agreement?.id],
    );
    expect(rows[0]).toEqual({ tag: 'mediation_agreement', incident_id: incidents.second });

    const planned = await call<{ follow_up: { id: string; due_on: string } }>(
      'mediator',
      'POST',
      `/mediation/cases/${opened.id}/follow-ups`,
      { due_on: '2027-01-06' },
    );
    expect(planned.status).toBe(201);
    const done = await call<{ follow_up: { result: string } }>(
      'worker',
      'PUT',
      `/mediation/cases/${opened.id}/follow-ups/${planned.body.follow_up.id}`,
      { result: 'honoured', note: '双方履行协议' },
    );
    expect(done.body.follow_up).toMatchObject({ result: 'honoured' });
  });

  it('counts KPIs from the records: success rate, disputes resolved rate, referrals, per grid, street and level', async () => {
    const byLevel = await call<{ rows: MediationKpiRow[] }>(
      'operator',
      'GET',
      '/mediation/kpis?group=level&from=2026-12-01&to=2027-01-01',
    );
    expect(byLevel.body.rows).toEqual([
      {
        key: 'people',
        counts: { closed: 2, agreed: 1, honoured: 1, referrals: 1 },
        kpis: { mediation_success_rate: 50, dispute_resolved_rate: 50, mediation_referrals: 1 },
      },
    ]);
    const byStreet = await call<{ rows: MediationKpiRow[] }>(
      'operator',
      'GET',
      '/mediation/kpis?group=street&from=2026-12-01&to=2027-01-01',
    );
    expect(byStreet.body.rows.map((r) => r.key)).toEqual([STREET]);
    const byGrid = await call<{ rows: MediationKpiRow[] }>(
      'otherworker',
      'GET',
      '/mediation/kpis?group=grid&from=2026-12-01&to=2027-01-01',
    );
    expect(byGrid.body.rows).toEqual([]);
  });

  it('erases a party’s personal data when they withdraw consent, keeping the case’s record', async () => {
    const opened = (await call<CasePage>('mediator', 'GET', '/mediation/cases?state=closed')).body.cases.find(
      (c) => c.outcome === 'agreement',
    ) as CaseView;
    const party = opened.parties[0] as PartyView;
    const withdrawn = await call<{ party: PartyView }>(
      'mediator',
      'POST',
      `/mediation/cases/${opened.id}/parties/${party.id}/withdraw-consent`,
    );
    expect(withdrawn.body.party).toMatchObject({
      consent: 'withdrawn',
      erased: 'withdrawn',
      name_masked: null,
      phone_masked: null,
      role: 'applicant',
    });
    const { rows } = await cloud().db.query(
      'SELECT name_sealed, phone_sealed, id_number_sealed FROM mediation_parties WHERE id = $1',
      [party.id],
    );
    expect(rows[0]).toEqual({ name_sealed: null, phone_sealed: null, id_number_sealed: null });
    const revealed = await call<{ name: string | null; erased: string }>(
      'mediator',
      'POST',
      `/mediation/cases/${opened.id}/parties/${party.id}/reveal`,
    );
    expect(revealed.body).toMatchObject({ name: null, erased: 'withdrawn' });
    const detail = (await call<{ case: CaseDetailWithLinks }>('mediator', 'GET', `/mediation/cases/${opened.id}`)).body
      .case;
    expect(detail).toMatchObject({ outcome: 'agreement', has_agreement: true });
    expect(detail.sessions).toHaveLength(1);
  });

  it('purges parties’ personal data the configured days after the case closes, on its clock', async () => {
    const refused = await call('operator', 'PUT', '/mediation/settings', { retention_days: 30 });
    expect(refused.status).toBe(403);
    const set = await call('admin', 'PUT', '/mediation/settings', { retention_days: 30 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const partiesOf = async () =>
      (
        await cloud().db.query<{ level: string; erased: string | null; name_sealed: string | null }>(
          `SELECT c.level, p.erased, p.name_sealed FROM mediation_parties p JOIN mediation_cases c ON c.id = p.case_id
            WHERE c.incident_id = $1 ORDER BY c.referred_from IS NOT NULL, p.position`,
          [incidents.dispute],
        )
      ).rows;
    // The administrative case, referred from the people's one, reaches an agreement now.
    const next = (await call<CasePage>('mediator2', 'GET', '/mediation/cases?level=administrative')).body.cases[0];
    const held = await call('mediator2', 'POST', `/mediation/cases/${next?.id}/sessions`, {
      held_at: '2026-12-06T14:00:00+08:00',
      place: '街道调解中心',
    });
    expect(held.status).toBe(201);
    expect(
      (await call('mediator2', 'POST', `/mediation/cases/${next?.id}/outcome`, { outcome: 'agreement' })).status,
    ).toBe(200);

    clock.advance(29 * 86_400_000);
    expect(await purgeMediation(cloud().db, clock)).toEqual({ parties: 0 });
    expect((await partiesOf()).every((row) => row.erased === null && row.name_sealed !== null)).toBe(true);

    clock.advance(2 * 86_400_000);
    expect(await purgeMediation(cloud().db, clock)).toEqual({ parties: 4 });
    expect(await partiesOf()).toEqual([
      { level: 'people', erased: 'retention', name_sealed: null },
      { level: 'people', erased: 'retention', name_sealed: null },
      { level: 'administrative', erased: 'retention', name_sealed: null },
      { level: 'administrative', erased: 'retention', name_sealed: null },
    ]);
    // The case keeps its non-personal record (sessions signed in a month ago have ended: read the rows).
    const kept = await cloud().db.query<{ outcome: string; level: string; roles: string[]; sessions: number }>(
      `SELECT c.outcome, c.level, array(SELECT role FROM mediation_parties WHERE case_id = c.id ORDER BY position) AS roles,
              (SELECT count(*)::int FROM mediation_sessions WHERE case_id = c.id) AS sessions
         FROM mediation_cases c WHERE c.id = $1`,
      [next?.id],
    );
    expect(kept.rows[0]).toEqual({
      outcome: 'agreement',
      level: 'administrative',
      roles: ['applicant', 'respondent'],
      sessions: 1,
    });
    expect(await purgeMediation(cloud().db, clock)).toEqual({ parties: 0 });
    await call('admin', 'PUT', '/mediation/settings', { retention_days: 1095 });
  });
});
