/**
 * The people `npm start` signs in to the cloud's web pages with: a dispatcher, a property manager, a
 * grid worker on duty in each of the community's grids, a callback agent and a district admin. Every grid has someone
 * on duty, so an incident anywhere in the community reaches a worker (docs/domain.md §1). They are made through the
 * cloud's own API with the run's admin token, as an administrator would make them, each with a
 * password generated for this run. The cloud's database outlives a run, so a user an earlier run
 * made is found by username and given this run's password (and its roles again) instead.
 */
import { randomBytes } from 'node:crypto';

export interface DevelopmentTerritory {
  /** 12-digit community code; its street and district are its first 9 and 6 digits. */
  community: string;
  /** Its 15-digit grids: each gets a grid worker on duty. */
  grids: readonly string[];
}

export interface SignIn {
  username: string;
  password: string;
  /** What the account is, for the console. */
  what: string;
}

interface RoleAssignment {
  role: string;
  scope: string;
}

interface Account {
  username: string;
  display_name: string;
  territory_code: string;
  roles: RoleAssignment[];
  what: string;
}

/** The first grid's worker: its incident list fills as incidents open in its grid. */
export const GRID_WORKER = 'dev.gridworker';

/** The worker of the community's grid number `n` (from 1): the first is {@link GRID_WORKER}. */
export const gridWorkerName = (n: number) => (n === 1 ? GRID_WORKER : `${GRID_WORKER}${n}`);

/** How long the grid worker's duty period lasts from the start of a run. */
const DUTY_DAYS = 30;

export function developmentAccounts({ community, grids }: DevelopmentTerritory): Account[] {
  const street = community.slice(0, 9);
  const district = community.slice(0, 6);
  return [
    {
      username: 'dev.dispatcher',
      display_name: '调度员 (Dispatcher)',
      territory_code: street,
      roles: [{ role: 'operator', scope: street }],
      what: `dispatcher (operator over street ${street})`,
    },
    {
      username: 'dev.property',
      display_name: '物业经理 (Property manager)',
      territory_code: community,
      roles: [{ role: 'property_manager', scope: community }],
      what: `property manager of community ${community}`,
    },
    ...grids.map((grid, i) => ({
      username: gridWorkerName(i + 1),
      display_name: `网格员 ${i + 1} (Grid worker ${i + 1})`,
      territory_code: grid,
      roles: [{ role: 'grid_worker', scope: grid }],
      what: `grid worker of grid ${grid}, on duty now`,
    })),
    {
      username: 'dev.callback',
      display_name: '回访员 (Callback agent)',
      territory_code: street,
      roles: [{ role: 'callback_agent', scope: street }],
      what: `callback agent over street ${street} (回访 queue)`,
    },
    {
      username: 'dev.admin',
      display_name: '区管理员 (District admin)',
      territory_code: district,
      roles: [{ role: 'district_admin', scope: district }],
      what: `district admin of ${district} (KPIs, settings)`,
    },
  ];
}

/** 24 random characters: well beyond the cloud's password rule (12 characters, 6 different). */
export const runPassword = () => randomBytes(18).toString('base64url');

/**
 * Makes (or, when an earlier run made them, updates) the development accounts and puts each grid's
 * worker on duty from `now`; returns the sign-ins for this run.
 */
export async function startUsers(
  cloudUrl: string,
  adminToken: string,
  territory: DevelopmentTerritory,
  now: Date,
  password: () => string = runPassword,
): Promise<SignIn[]> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${cloudUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = text === '' ? {} : JSON.parse(text);
    return { status: response.status, body: json as Record<string, unknown> };
  };
  const expectOk = (what: string, response: { status: number; body: Record<string, unknown> }) => {
    if (response.status >= 300)
      throw new Error(`the cloud refused to ${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };

  const signIns: SignIn[] = [];
  const ids = new Map<string, string>();
  for (const account of developmentAccounts(territory)) {
    const secret = password();
    const { what, ...user } = account;
    const created = await call('POST', '/users', { ...user, password: secret });
    if (created.status === 201) {
      ids.set(account.username, String(created.body.id));
    } else if (created.body.code === 'GL_USER_EXISTS') {
      const listed = expectOk(
        'list users',
        await call('GET', `/users?territory=${encodeURIComponent(account.territory_code)}`),
      ) as { users: Array<{ id: string; username: string }> };
      const existing = listed.users.find((candidate) => candidate.username === account.username);
      if (!existing) throw new Error(`the cloud says ${account.username} exists but does not list it`);
      ids.set(account.username, existing.id);
      expectOk(
        `give ${account.username} this run's password`,
        await call('PATCH', `/users/${existing.id}`, { password: secret, active: true }),
      );
      for (const role of account.roles)
        expectOk(`give ${account.username} ${role.role}`, await call('POST', `/users/${existing.id}/roles`, role));
    } else {
      expectOk(`create ${account.username}`, created);
    }
    signIns.push({ username: account.username, password: secret, what });
  }

  // Automatic dispatch reaches whoever is on duty in the grid: each grid's worker, from now on.
  for (const [i, code] of territory.grids.entries()) {
    const workerId = ids.get(gridWorkerName(i + 1)) as string;
    const grid = encodeURIComponent(code);
    const member = await call('PUT', `/grids/${grid}/members/${workerId}`, { position: 'full_time' });
    // A grid keeps one full-time worker; if someone else is it, this one joins part-time.
    if (member.body.code === 'GL_ROSTER_CONFLICT')
      expectOk(
        `make ${gridWorkerName(i + 1)} a member of grid ${code}`,
        await call('PUT', `/grids/${grid}/members/${workerId}`, { position: 'part_time' }),
      );
    else expectOk(`make ${gridWorkerName(i + 1)} a member of grid ${code}`, member);
    expectOk(
      `put ${gridWorkerName(i + 1)} on duty`,
      await call('POST', `/grids/${grid}/duty-periods`, {
        user_id: workerId,
        starts_at: new Date(now.getTime() - 60_000).toISOString(),
        ends_at: new Date(now.getTime() + DUTY_DAYS * 86_400_000).toISOString(),
      }),
    );
  }
  return signIns;
}
