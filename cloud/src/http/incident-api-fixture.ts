import { beforeAll, expect } from 'vitest';
import type { RoleAssignment } from '../people/roles.js';
import { signedIn } from '../people/test-support.js';
import { api, type Backend, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

/** The street, community and grid the incident API tests report in. */
export const STREET = '320803001';
export const COMMUNITY = '320803001001';
export const GRID = '320803001001001';

/** A step of the loop: who takes which action, with what data. */
export type LoopStep<Name extends string> = readonly [who: Name, action: string, data?: Record<string, unknown>];

/**
 * Call at suite level. The incident API on a test database of `backend` (automatic dispatch kept
 * away, so only the steps a test takes move an incident) and `people`, each signed in as
 * `<backend>-<prefix>-<name>` with their roles; then the calls that report an incident and bring it
 * to a state, each checked to succeed.
 */
export function useIncidentApi<Name extends string>(
  backend: Backend,
  prefix: string,
  people: Record<Name, readonly RoleAssignment[]>,
) {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000 });
  const tokens = {} as Record<Name, string>;
  const ids = {} as Record<Name, string>;

  beforeAll(async () => {
    for (const [name, roles] of Object.entries(people) as Array<[Name, readonly RoleAssignment[]]>) {
      const { user, token } = await signedIn(cloud(), `${backend}-${prefix}-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  /** A transition request as `who`, with the body given as is. */
  const act = (who: Name, incident: string, body: Record<string, unknown>) =>
    api<Record<string, unknown>>(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who],
      body,
    });

  /** `who` takes `action`, with a request id of its own (the same person's same action is idempotent). */
  const transition = (incident: string, who: Name, action: string, data?: Record<string, unknown>) =>
    act(who, incident, { action, request_id: `${incident}-${action}-${who}`, ...(data ? { data } : {}) });

  /** A transition that must succeed. */
  const step = async (incident: string, who: Name, action: string, data?: Record<string, unknown>) => {
    const response = await transition(incident, who, action, data);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };

  /** The actions the server offers `who` on the incident (sorted), with the answer's status. */
  const offered = async (incident: string, who: Name) => {
    const response = await api<{ actions?: Array<{ action: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/actions`,
      { token: tokens[who] },
    );
    return { status: response.status, actions: (response.body.actions ?? []).map((a) => a.action).sort() };
  };

  /** The actions offered to `who`, who must be allowed to see the incident. */
  const names = async (incident: string, who: Name) => {
    const { status, actions } = await offered(incident, who);
    expect(status).toBe(200);
    return actions;
  };

  /** A patrol report by `who` in the community's grid; `body` adds or overrides fields. */
  const report = async (who: Name, request: string, body: Record<string, unknown>) => {
    const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens[who],
      body: { request_id: request, source: 'patrol', community: COMMUNITY, grid: GRID, ...body },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.incident.id;
  };

  /** Reported by `who` under `title`, then taken through `steps`: the incident in the state they lead to. */
  const brought = async (who: Name, title: string, category: string, steps: ReadonlyArray<LoopStep<Name>>) => {
    const id = await report(who, title, { category, title });
    for (const [by, action, data] of steps) await step(id, by, action, data);
    return id;
  };

  /** Changes some of the tenant's incident settings, keeping the rest. */
  const updateIncidentSettings = async (changes: Record<string, unknown>) => {
    const now = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
    });
    const put = await api(cloud(), 'PUT', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
      body: { ...now.body, ...changes },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  };

  return { cloud, tokens, ids, act, transition, step, offered, names, report, brought, updateIncidentSettings };
}

/** Accepted, filed and dispatched by `operator` to `handler`, who signs and finishes: awaiting 核查. */
export function finishedBy<Name extends string>(
  operator: Name,
  handler: Name,
  ids: Record<Name, string>,
): Array<LoopStep<Name>> {
  return [
    [operator, 'accept'],
    [operator, 'file'],
    [operator, 'dispatch', { assignee: ids[handler] }],
    [handler, 'sign'],
    [handler, 'finish'],
  ];
}
