import { INCIDENT_STATES } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  DEFAULT_POLICIES,
  rulesFrom,
  STATE_MACHINE,
  STATE_MACHINE_TABLE,
  StateMachine,
  type TransitionRuleInput,
  terminalStates,
} from './state-machine.js';

describe('the state machine table (domain §3)', () => {
  it('lists, for each state, the actions of the domain', () => {
    const table = Object.fromEntries(INCIDENT_STATES.map((state) => [state, allowedActions(STATE_MACHINE, state)]));
    expect(table).toEqual({
      REPORTED: [
        'accept',
        'needVerify',
        'reject',
        'merge',
        'selfHandle',
        'recover',
        'endDrill',
        'acknowledge',
        'reportOnSite',
        'supervise',
        'overdue',
        'notifyUp',
      ],
      VERIFYING: [
        'confirmed',
        'notFound',
        'endDrill',
        'acknowledge',
        'reportOnSite',
        'supervise',
        'overdue',
        'notifyUp',
      ],
      ACCEPTED: ['file', 'reject', 'endDrill', 'acknowledge', 'reportOnSite', 'supervise', 'overdue', 'notifyUp'],
      FILED: ['dispatch', 'escalate', 'endDrill', 'acknowledge', 'reportOnSite', 'supervise', 'overdue', 'notifyUp'],
      DISPATCHED: [
        'sign',
        'return',
        'arrive',
        'recall',
        'redispatch',
        'endDrill',
        'acknowledge',
        'reportOnSite',
        'supervise',
        'overdue',
        'notifyUp',
      ],
      IN_PROGRESS: [
        'finish',
        'arrive',
        'extend',
        'suspend',
        'recall',
        'redispatch',
        'endDrill',
        'acknowledge',
        'reportOnSite',
        'supervise',
        'overdue',
      ],
      SUSPENDED: ['resume', 'endDrill', 'acknowledge', 'reportOnSite', 'supervise'],
      HANDLED: ['startCheck', 'endDrill', 'reportOnSite', 'supervise', 'overdue'],
      CHECKING: ['pass', 'fail', 'endDrill', 'reportOnSite', 'supervise', 'overdue'],
      PENDING_CLOSE: ['close', 'endDrill', 'reportOnSite', 'supervise', 'overdue'],
      CLOSED: ['callbackSatisfied', 'callbackUnsatisfied'],
      SELF_HANDLED: ['close', 'recover', 'endDrill', 'reportOnSite'],
      EVALUATED: ['archive'],
      ARCHIVED: [],
      INVALID: [],
      MERGED: [],
    });
  });

  it('lets the cloud alone close a maintenance ticket the property still has when its device recovers', () => {
    const recover = STATE_MACHINE.filter((rule) => rule.action === 'recover');
    expect(recover.map((rule) => [rule.from, rule.to, rule.roles, rule.effects])).toEqual([
      ['REPORTED', 'CLOSED', ['system'], ['end']],
      ['SELF_HANDLED', 'CLOSED', ['system'], ['end']],
    ]);
  });

  it('ends in INVALID, MERGED and ARCHIVED only', () => {
    expect(terminalStates(STATE_MACHINE).sort()).toEqual(['ARCHIVED', 'INVALID', 'MERGED']);
  });

  it('sends a failed check and an unsatisfied callback back to DISPATCHED with one more rework', () => {
    const rework = STATE_MACHINE.filter((rule) => rule.effects.includes('rework'));
    expect(rework.map((rule) => [rule.from, rule.action, rule.to, rule.when])).toEqual([
      ['CHECKING', 'fail', 'DISPATCHED', undefined],
      ['CLOSED', 'callbackUnsatisfied', 'DISPATCHED', { callback: 'agents', unsatisfiedCallback: 'rework' }],
      ['CLOSED', 'callbackUnsatisfied', 'DISPATCHED', { callback: 'centre', unsatisfiedCallback: 'rework' }],
    ]);
  });

  it('offers after 结案 the step the callback policy defines, and never 督办 on a closed incident', () => {
    const closed = (callback: 'agents' | 'centre' | 'none') =>
      allowedActions(STATE_MACHINE, 'CLOSED', { ...DEFAULT_POLICIES, callback });
    expect(closed('agents')).toEqual(['callbackSatisfied', 'callbackUnsatisfied']);
    expect(closed('centre')).toEqual(['callbackSatisfied', 'callbackUnsatisfied']);
    expect(closed('none')).toEqual(['archive']);
    const roles = (callback: 'agents' | 'centre') =>
      rulesFrom(STATE_MACHINE, 'CLOSED', { ...DEFAULT_POLICIES, callback }).find(
        (rule) => rule.action === 'callbackSatisfied',
      )?.roles;
    // The cloud records the verdicts that arrive through a channel (a resident's own rating).
    expect(roles('agents')).toEqual(['callback_agent', 'system']);
    expect(roles('centre')).toEqual(['callback_agent', 'operator', 'system']);
  });

  it('lets an unsatisfied callback only record the verdict when the tenant says so', () => {
    const evaluate = STATE_MACHINE.find(
      (rule) => rule.action === 'callbackUnsatisfied' && rule.when?.unsatisfiedCallback === 'evaluate',
    );
    expect(evaluate?.to).toBe('EVALUATED');
  });

  it('keeps who may act as data: operators file and dispatch, assignees sign, callback agents call back', () => {
    const roles = (from: string, action: string) =>
      STATE_MACHINE.find((rule) => rule.from === from && rule.action === action)?.roles;
    expect(roles('FILED', 'dispatch')).toEqual(['operator', 'system']);
    expect(roles('DISPATCHED', 'sign')).toEqual(['grid_worker', 'disposal_unit']);
    expect(roles('CLOSED', 'callbackSatisfied')).toEqual(['callback_agent', 'system']);
    expect(roles('VERIFYING', 'confirmed')).toEqual(['grid_worker']);
    // The property on site: acknowledges and reports findings; self-handles routine matters only.
    expect(roles('FILED', 'acknowledge')).toEqual(['property_manager']);
    expect(roles('IN_PROGRESS', 'reportOnSite')).toEqual(['property_manager']);
    expect(STATE_MACHINE.find((rule) => rule.action === 'selfHandle')?.routineOnly).toEqual(['property_manager']);
  });

  describe('validation of an edited table', () => {
    const valid = [...STATE_MACHINE_TABLE];
    const issues = (table: readonly TransitionRuleInput[]) =>
      StateMachine.safeParse(table).error?.issues.map((issue) => issue.message);

    it('accepts the domain table', () => {
      expect(StateMachine.safeParse(valid).success).toBe(true);
    });

    it('refuses two rules for one state and action without distinct conditions', () => {
      expect(issues([...valid, { from: 'FILED', action: 'dispatch', to: 'IN_PROGRESS', roles: ['operator'] }])).toEqual(
        ['FILED dispatch: rules sharing a state and an action need distinct "when"'],
      );
    });

    it('refuses a table without exactly one creation rule', () => {
      expect(issues(valid.filter((rule) => rule.from !== null))).toEqual([
        'exactly one rule creates the incident (from null)',
      ]);
    });

    it('refuses an escalation that changes the state, an unknown state or role', () => {
      expect(
        issues([
          ...valid,
          { from: 'ACCEPTED', action: 'escalate', to: 'FILED', roles: ['operator'], effects: ['escalate'] },
        ]),
      ).toEqual(['ACCEPTED escalate: an escalation keeps the state']);
      expect(StateMachine.safeParse([{ from: 'OPEN', action: 'x', to: 'CLOSED', roles: ['mayor'] }]).success).toBe(
        false,
      );
    });
  });
});
