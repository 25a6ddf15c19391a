import type { IncidentState } from '@gridlink/protocol';
import { describe, expect, it, vi } from 'vitest';
import { BACKENDS, manualClock } from '../test-support.js';
import { IncidentEngine } from './engine.js';
import { IncidentError, type IncidentErrorCode } from './errors.js';
import type { ReportInput, TransitionInput } from './inputs.js';
import type { Attachment } from './records.js';
import {
  DEFAULT_POLICIES,
  type IncidentPolicies,
  rulesFrom,
  STATE_MACHINE,
  type TransitionRule,
} from './state-machine.js';
import { useIncidentDatabase } from './test-database.js';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const photos = (...tags: string[]): Attachment[] =>
  tags.map((tag) => ({ uri: `https://files.example/${tag}.jpg`, media_type: 'image/jpeg', tag }));

const hotline = (overrides: Partial<ReportInput> = {}): ReportInput => ({
  requestId: unique('intake'),
  source: 'hotline_12345',
  category: 'urban_management.manhole_cover',
  title: 'Manhole cover missing outside building 3',
  place: { community: '320803001001', building: '3' },
  actor: 'op-li',
  role: 'operator',
  ...overrides,
});

/**
 * The shortest way from REPORTED to `target` under `policies`, as rules (self-loops left out), through
 * the loop itself: not the cloud's closure of a recovered maintenance ticket (`recover`), nor the
 * end of a drill (`endDrill`).
 */
function pathTo(target: IncidentState, policies: IncidentPolicies): TransitionRule[] {
  const queue: Array<{ state: IncidentState; path: TransitionRule[] }> = [{ state: 'REPORTED', path: [] }];
  const seen = new Set<IncidentState>(['REPORTED']);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    if (item.state === target) return item.path;
    for (const rule of rulesFrom(STATE_MACHINE, item.state, policies)) {
      if (seen.has(rule.to) || rule.action === 'recover' || rule.drillOnly) continue;
      seen.add(rule.to);
      queue.push({ state: rule.to, path: [...item.path, rule] });
    }
  }
  throw new Error(`${target} cannot be reached`);
}

describe.each(BACKENDS)('incident transitions (%s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock();
  const engineWith = (policies: Partial<IncidentPolicies> = {}) => new IncidentEngine(db(), clock, { policies });

  /** What a rule needs besides its action: an assignee, a merge target, tagged photos. */
  async function extrasFor(engine: IncidentEngine, rule: TransitionRule): Promise<Partial<TransitionInput>> {
    const extras: Partial<TransitionInput> = {};
    if (rule.effects.includes('assign')) extras.data = { assignee: 'unit-water-co' };
    if (rule.effects.includes('merge')) extras.data = { into: (await engine.report(hotline())).incident.id };
    if (rule.attachmentTags) extras.attachments = photos(...rule.attachmentTags);
    if (rule.commentRequired) extras.comment = `reason for ${rule.action}`;
    if (rule.requiresNote) extras.comment = 'what was found on site';
    if (rule.positionRequired) extras.data = { position: { lon: 119.0215, lat: 33.5975, accuracy_m: 10 } };
    return extras;
  }

  async function take(engine: IncidentEngine, incidentId: string, rule: TransitionRule, role = rule.roles[0]) {
    return engine.transition({
      incidentId,
      action: rule.action,
      requestId: unique('req'),
      // Who signs for and finishes the work is not who checks it (separation of duties).
      actor: rule.action === 'sign' || rule.action === 'finish' ? `${role}-handler` : `${role}-1`,
      role: role ?? 'operator',
      ...(await extrasFor(engine, rule)),
    });
  }

  /** A new incident walked to `state`. */
  async function incidentIn(state: IncidentState, engine = engineWith(), overrides: Partial<ReportInput> = {}) {
    const { incident } = await engine.report(hotline(overrides));
    for (const rule of pathTo(state, { ...DEFAULT_POLICIES })) await take(engine, incident.id, rule);
    return (await engine.get(incident.id)) ?? incident;
  }

  async function refusal(promise: Promise<unknown>): Promise<IncidentError> {
    const error = await promise.then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(error instanceof IncidentError)) throw new Error(`expected an IncidentError, got ${String(error)}`);
    return error;
  }

  describe('every rule of the table, by every role it names', () => {
    const cases = STATE_MACHINE.filter((rule) => rule.from !== null).flatMap((rule) =>
      rule.roles.map((role) => ({ rule, role, name: `${rule.from} --${rule.action}--> ${rule.to} as ${role}` })),
    );

    it.each(cases)('$name', async ({ rule, role }) => {
      const engine = engineWith(rule.when ?? {});
      // A role held to routine incidents takes the rule on a minor one (the seed manhole cover is critical).
      const routine = rule.routineOnly?.includes(role) ? { severity: 'minor' as const, urgent: false } : {};
      // A drill-only rule is taken on a drill.
      const drill = rule.drillOnly ? { drill: true } : {};
      const before = await incidentIn(rule.from as IncidentState, engine, { ...routine, ...drill });
      const { incident, step, repeated } = await take(engine, before.id, rule, role);
      expect(repeated).toBe(false);
      expect(incident.state).toBe(rule.to);
      expect(incident.version).toBe(before.version + 1);
      expect(step).toMatchObject({
        action: rule.action,
        fromState: rule.from,
        toState: rule.to,
        role,
        version: incident.version,
      });
      expect(step.deadline).toBeNull();
      expect(step.light).toBeNull();
      expect(incident.reworkCount).toBe(before.reworkCount + (rule.effects.includes('rework') ? 1 : 0));
      if (rule.effects.includes('escalate')) expect([before.level, incident.level]).toEqual(['community', 'street']);
      if (rule.effects.includes('assign')) expect(incident.assignee).toBe('unit-water-co');
      if (rule.effects.includes('unassign')) expect(incident.assignee).toBeNull();
      if (rule.effects.includes('end')) expect(incident.closedAt).toEqual(clock());
      if (rule.effects.includes('reopen')) expect(incident.closedAt).toBeNull();
    });
  });

  describe('the happy path', () => {
    it('goes REPORTED → … → ARCHIVED with one step record per transition, in order', async () => {
      const engine = engineWith();
      const { incident } = await engine.report(hotline({ comment: 'caller: Mr Wang, 138…' }));
      const walk: Array<[string, TransitionInput['role'], Partial<TransitionInput>?]> = [
        ['accept', 'operator'],
        ['file', 'operator'],
        ['dispatch', 'operator', { data: { assignee: 'unit-urban-management' } }],
        ['sign', 'disposal_unit'],
        ['finish', 'disposal_unit', { attachments: photos('after') }],
        ['startCheck', 'grid_worker'],
        ['pass', 'grid_worker'],
        ['close', 'operator'],
        ['callbackSatisfied', 'callback_agent', { data: { satisfaction: 'satisfied' } }],
        ['archive', 'system'],
      ];
      for (const [action, role, extra] of walk) {
        clock.advance(60_000);
        await engine.transition({
          incidentId: incident.id,
          action,
          requestId: unique('req'),
          actor: role,
          role,
          ...extra,
        });
      }
      const final = await engine.get(incident.id);
      expect(final).toMatchObject({
        state: 'ARCHIVED',
        version: 11,
        assignee: 'unit-urban-management',
        reworkCount: 0,
      });
      const steps = await engine.steps(incident.id);
      expect(steps.map((step) => [step.seq, step.action, step.fromState, step.toState])).toEqual([
        [1, 'report', null, 'REPORTED'],
        [2, 'accept', 'REPORTED', 'ACCEPTED'],
        [3, 'file', 'ACCEPTED', 'FILED'],
        [4, 'dispatch', 'FILED', 'DISPATCHED'],
        [5, 'sign', 'DISPATCHED', 'IN_PROGRESS'],
        [6, 'finish', 'IN_PROGRESS', 'HANDLED'],
        [7, 'startCheck', 'HANDLED', 'CHECKING'],
        [8, 'pass', 'CHECKING', 'PENDING_CLOSE'],
        [9, 'close', 'PENDING_CLOSE', 'CLOSED'],
        [10, 'callbackSatisfied', 'CLOSED', 'EVALUATED'],
        [11, 'archive', 'EVALUATED', 'ARCHIVED'],
      ]);
      expect(steps.map((step) => step.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(steps.every((step, i) => i === 0 || step.at > (steps[i - 1] as { at: Date }).at)).toBe(true);
      expect(steps[0]).toMatchObject({ actor: 'op-li', role: 'operator', comment: 'caller: Mr Wang, 138…' });
      expect(steps[5]?.attachments).toEqual(photos('after'));
      expect(steps[8]?.data).toEqual({});
      expect(steps[9]?.data).toEqual({ satisfaction: 'satisfied' });
      expect(final?.closedAt).toEqual(steps[8]?.at);
    });

    it('sends failed work back to the same assignee, counting the rework', async () => {
      const engine = engineWith();
      const checking = await incidentIn('CHECKING', engine);
      const { incident } = await engine.transition({
        incidentId: checking.id,
        action: 'fail',
        requestId: unique('req'),
        actor: 'gw-zhang',
        role: 'grid_worker',
        comment: 'the cover still rocks',
      });
      expect(incident).toMatchObject({ state: 'DISPATCHED', reworkCount: 1, assignee: 'unit-water-co' });
    });

    it('runs a drill through the whole loop and keeps it marked', async () => {
      const engine = engineWith();
      const archived = await incidentIn('ARCHIVED', engine, { drill: true, source: 'patrol', role: 'grid_worker' });
      expect(archived).toMatchObject({ state: 'ARCHIVED', drill: true, source: 'patrol' });
      const { rows } = await db().query('SELECT count(*) AS n FROM incidents WHERE id = $1 AND drill', [archived.id]);
      expect(rows).toEqual([{ n: 1 }]);
    });
  });

  describe('refusals: typed, naming the state and what is allowed, and nothing written', () => {
    async function expectRefused(
      incidentId: string,
      input: Omit<TransitionInput, 'incidentId' | 'requestId'>,
      code: IncidentErrorCode,
      message?: string,
    ) {
      const engine = engineWith();
      const before = await engine.get(incidentId);
      const stepsBefore = await engine.steps(incidentId);
      const error = await refusal(engine.transition({ incidentId, requestId: unique('req'), ...input }));
      expect(error.code).toBe(code);
      if (message !== undefined) expect(error.message).toBe(message);
      expect(await engine.get(incidentId)).toEqual(before);
      expect(await engine.steps(incidentId)).toEqual(stepsBefore);
      return error;
    }

    it('an action the state does not have', async () => {
      const incident = await incidentIn('REPORTED');
      const error = await expectRefused(
        incident.id,
        { action: 'dispatch', actor: 'op-li', role: 'operator', data: { assignee: 'unit-x' } },
        'GL_INCIDENT_ACTION_NOT_ALLOWED',
        `action "dispatch" is not allowed on incident ${incident.id} in state REPORTED; allowed actions: accept, needVerify, reject, merge, selfHandle, recover, acknowledge, reportOnSite, supervise, overdue, notifyUp`,
      );
      expect(error.details).toMatchObject({
        state: 'REPORTED',
        allowed: [
          'accept',
          'needVerify',
          'reject',
          'merge',
          'selfHandle',
          'recover',
          'acknowledge',
          'reportOnSite',
          'supervise',
          'overdue',
          'notifyUp',
        ],
      });
    });

    it('any action in a final state', async () => {
      const incident = await incidentIn('ARCHIVED');
      await expectRefused(
        incident.id,
        { action: 'close', actor: 'op-li', role: 'operator' },
        'GL_INCIDENT_ACTION_NOT_ALLOWED',
        `action "close" is not allowed on incident ${incident.id} in state ARCHIVED; allowed actions: none (the state is final)`,
      );
    });

    it('a callback before the incident is closed', async () => {
      const incident = await incidentIn('PENDING_CLOSE');
      await expectRefused(
        incident.id,
        { action: 'callbackSatisfied', actor: 'cb-1', role: 'callback_agent' },
        'GL_INCIDENT_ACTION_NOT_ALLOWED',
      );
    });

    it('a role the rule does not name', async () => {
      const filed = await incidentIn('FILED');
      await expectRefused(
        filed.id,
        { action: 'dispatch', actor: 'gw-zhang', role: 'grid_worker', data: { assignee: 'unit-x' } },
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
        'role grid_worker may not take action "dispatch" in state FILED; roles allowed: operator, system',
      );
      const reported = await incidentIn('REPORTED');
      await expectRefused(
        reported.id,
        { action: 'accept', actor: 'unit', role: 'disposal_unit' },
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
      );
      const closed = await incidentIn('CLOSED');
      await expectRefused(
        closed.id,
        { action: 'callbackSatisfied', actor: 'op', role: 'operator' },
        'GL_INCIDENT_ROLE_NOT_ALLOWED',
      );
    });

    it('a check by whoever signed for or finished the work (separation of duties)', async () => {
      const handled = await incidentIn('HANDLED');
      await expectRefused(
        handled.id,
        { action: 'startCheck', actor: 'grid_worker-handler', role: 'grid_worker' },
        'GL_INCIDENT_SEPARATION_OF_DUTIES',
      );
      const engine = engineWith();
      expect(await engine.separationAllows(handled, 'startCheck', 'grid_worker-handler')).toBe(false);
      expect(await engine.separationAllows(handled, 'startCheck', 'grid_worker-1')).toBe(true);
    });

    it('closing self-handled work without photos before and after', async () => {
      const incident = await incidentIn('SELF_HANDLED');
      await expectRefused(
        incident.id,
        { action: 'close', actor: 'gw-zhang', role: 'grid_worker', attachments: photos('before') },
        'GL_INCIDENT_ATTACHMENTS_REQUIRED',
        'action "close" from state SELF_HANDLED needs attachments tagged after',
      );
    });

    it('a dispatch without an assignee, a merge into itself, an escalation above the district', async () => {
      const filed = await incidentIn('FILED');
      await expectRefused(filed.id, { action: 'dispatch', actor: 'op', role: 'operator' }, 'GL_INCIDENT_INVALID_INPUT');
      const reported = await incidentIn('REPORTED');
      await expectRefused(
        reported.id,
        { action: 'merge', actor: 'op', role: 'operator', data: { into: reported.id } },
        'GL_INCIDENT_MERGE_TARGET',
      );
      const archived = await incidentIn('ARCHIVED');
      await expectRefused(
        reported.id,
        { action: 'merge', actor: 'op', role: 'operator', data: { into: archived.id } },
        'GL_INCIDENT_MERGE_TARGET',
      );
      const district = await incidentIn('FILED', engineWith(), { level: 'district' });
      await expectRefused(
        district.id,
        { action: 'escalate', actor: 'op', role: 'operator' },
        'GL_INCIDENT_TOP_LEVEL',
        `incident ${district.id} is already at level district`,
      );
    });

    it('an unknown incident, and malformed input', async () => {
      const engine = engineWith();
      const missing = await refusal(
        engine.transition({
          incidentId: 'INC-19700101-000000',
          action: 'accept',
          requestId: 'r',
          actor: 'a',
          role: 'operator',
        }),
      );
      expect([missing.code, missing.message]).toEqual([
        'GL_INCIDENT_NOT_FOUND',
        'incident INC-19700101-000000 does not exist',
      ]);
      const malformed = await refusal(
        engine.transition({
          incidentId: 'x',
          action: 'accept',
          requestId: '',
          actor: 'a',
          role: 'mayor' as 'operator',
        }),
      );
      expect(malformed.code).toBe('GL_INCIDENT_INVALID_INPUT');
      expect(malformed.message).toMatch(/^invalid transition: requestId: .*; role: /);
    });
  });

  describe('idempotency on request id', () => {
    it('a repeated request returns the first result and writes nothing, even with a stale expected version', async () => {
      const engine = engineWith();
      const reported = await incidentIn('REPORTED');
      const input: TransitionInput = {
        incidentId: reported.id,
        action: 'accept',
        requestId: unique('req'),
        expectedVersion: reported.version,
        actor: 'op-li',
        role: 'operator',
      };
      const first = await engine.transition(input);
      clock.advance(5_000);
      const again = await engine.transition(input);
      expect(again).toEqual({ ...first, repeated: true });
      expect((await engine.steps(reported.id)).map((step) => step.action)).toEqual(['report', 'accept']);
    });

    it('a repeated request is answered with its step even where the action is no longer allowed', async () => {
      const engine = engineWith();
      const reported = await incidentIn('REPORTED');
      const accept: TransitionInput = {
        incidentId: reported.id,
        action: 'accept',
        requestId: unique('req'),
        actor: 'op',
        role: 'operator',
      };
      const first = await engine.transition(accept);
      const filed = await engine.transition({ ...accept, action: 'file', requestId: unique('req') });
      const again = await engine.transition(accept);
      expect(again).toEqual({ incident: filed.incident, step: first.step, repeated: true });
      expect((await engine.steps(reported.id)).map((step) => step.action)).toEqual(['report', 'accept', 'file']);
    });

    it('a repeated step that keeps the state, and would be allowed again, is not taken twice', async () => {
      const engine = engineWith();
      const filed = await incidentIn('FILED');
      const escalate: TransitionInput = {
        incidentId: filed.id,
        action: 'escalate',
        requestId: unique('req'),
        actor: 'op',
        role: 'operator',
      };
      const first = await engine.transition(escalate);
      const again = await engine.transition(escalate);
      expect(again).toEqual({ ...first, repeated: true });
      expect((await engine.steps(filed.id)).filter((step) => step.action === 'escalate')).toHaveLength(1);
    });

    it("a hook's refusal after the write refuses the step: it is not taken for a repeat of it", async () => {
      const engine = engineWith();
      const reported = await incidentIn('REPORTED');
      engine.onStep(() => {
        throw new IncidentError('GL_INCIDENT_INVALID_INPUT', 'refused by a hook');
      });
      const error = await refusal(
        engine.transition({
          incidentId: reported.id,
          action: 'accept',
          requestId: unique('req'),
          actor: 'op',
          role: 'operator',
        }),
      );
      expect([error.code, error.message]).toEqual(['GL_INCIDENT_INVALID_INPUT', 'refused by a hook']);
      expect((await engine.steps(reported.id)).map((step) => step.action)).toEqual(['report']);
      expect((await engine.get(reported.id))?.state).toBe('REPORTED');
    });

    it('a request id reused for another action is refused', async () => {
      const engine = engineWith();
      const reported = await incidentIn('REPORTED');
      const requestId = unique('req');
      await engine.transition({ incidentId: reported.id, action: 'accept', requestId, actor: 'op', role: 'operator' });
      const error = await refusal(
        engine.transition({ incidentId: reported.id, action: 'file', requestId, actor: 'op', role: 'operator' }),
      );
      expect([error.code, error.message]).toEqual([
        'GL_INCIDENT_REQUEST_REUSED',
        `request ${requestId} was already used for "accept" on incident ${reported.id}, not "file"`,
      ]);
    });

    it('a repeated intake returns the same incident', async () => {
      const engine = engineWith();
      const input = hotline();
      const first = await engine.report(input);
      const again = await engine.report(input);
      expect(again).toEqual({ ...first, repeated: true });
    });
  });

  describe('concurrency', () => {
    it('two dispatchers with the same expected version: one wins, the other gets a conflict naming the version', async () => {
      const engine = engineWith();
      const filed = await incidentIn('FILED');
      const dispatch = (assignee: string) =>
        engine.transition({
          incidentId: filed.id,
          action: 'dispatch',
          requestId: unique('req'),
          expectedVersion: filed.version,
          actor: `op-${assignee}`,
          role: 'operator',
          data: { assignee },
        });
      const results = await Promise.allSettled([dispatch('unit-a'), dispatch('unit-b')]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as IncidentError] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.code).toBe('GL_INCIDENT_VERSION_CONFLICT');
      expect(lost[0]?.message).toBe(
        `incident ${filed.id} changed meanwhile: it is at version ${filed.version + 1} in state DISPATCHED, not at the expected version ${filed.version}; reload it and decide again`,
      );
      const steps = await engine.steps(filed.id);
      expect(steps.filter((step) => step.action === 'dispatch')).toHaveLength(1);
    });

    it('without expected versions the second finds the new state and is refused by the table', async () => {
      const engine = engineWith();
      const filed = await incidentIn('FILED');
      const dispatch = () =>
        engine.transition({
          incidentId: filed.id,
          action: 'dispatch',
          requestId: unique('req'),
          actor: 'op',
          role: 'operator',
          data: { assignee: 'unit-a' },
        });
      const results = await Promise.allSettled([dispatch(), dispatch()]);
      const codes = results.map((result) =>
        result.status === 'fulfilled' ? 'ok' : (result.reason as IncidentError).code,
      );
      expect(codes.sort()).toEqual(['GL_INCIDENT_ACTION_NOT_ALLOWED', 'ok']);
    });

    it('the same request sent twice at once is applied once', async () => {
      const engine = engineWith();
      const reported = await incidentIn('REPORTED');
      const input: TransitionInput = {
        incidentId: reported.id,
        action: 'accept',
        requestId: unique('req'),
        actor: 'op',
        role: 'operator',
      };
      const results = await Promise.all([engine.transition(input), engine.transition(input)]);
      expect(results.map((result) => result.repeated).sort()).toEqual([false, true]);
      expect((await engine.steps(reported.id)).map((step) => step.action)).toEqual(['report', 'accept']);
    });

    // PostgreSQL only: PGlite runs one statement at a time, so no request ever waits for a lock.
    if (backend === 'postgres')
      it('the same request sent twice at once is applied once, also when the step keeps the state (escalate, on PostgreSQL)', async () => {
        const engine = engineWith();
        const filed = await incidentIn('FILED');
        // The first holds the row until the second is waiting for its lock: the second must find the
        // first's step once it has the lock (a read before it, or in the locking statement's own
        // snapshot, would not see it).
        let first = true;
        engine.onGuard(async () => {
          if (!first) return;
          first = false;
          await vi.waitFor(
            async () => {
              const { rows } = await db().query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
              );
              if (rows[0]?.n !== 1) throw new Error('the second request is not waiting for the lock yet');
            },
            { timeout: 10_000, interval: 20 },
          );
        });
        const input: TransitionInput = {
          incidentId: filed.id,
          action: 'escalate',
          requestId: unique('req'),
          actor: 'op',
          role: 'operator',
        };
        // The second waits for the first's lock; the table allows escalate again from FILED, so only
        // the request id keeps it from being taken twice (two levels up).
        const results = await Promise.all([engine.transition(input), engine.transition(input)]);
        expect(results.map((result) => result.repeated).sort()).toEqual([false, true]);
        expect(results.map((result) => result.step.seq)).toEqual([results[0]?.step.seq, results[0]?.step.seq]);
        const steps = await engine.steps(filed.id);
        expect(steps.filter((step) => step.action === 'escalate')).toHaveLength(1);
        expect((await engine.get(filed.id))?.level).toBe(results[0]?.incident.level);
      });
  });
});
