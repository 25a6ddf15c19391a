import { expect } from 'vitest';
import type { RunningCloud } from '../start.js';
import { api, TEST_ADMIN_TOKEN } from '../test-support.js';
import type { RoleAssignment } from './roles.js';
import type { User } from './users.js';

export const TEST_PASSWORD = 'correct horse battery staple';

/** Creates a user with the admin token (password {@link TEST_PASSWORD} unless given). */
export async function createUser(
  cloud: RunningCloud,
  username: string,
  options: { territory?: string; roles?: RoleAssignment[]; password?: string; token?: string } = {},
): Promise<User> {
  const response = await api<User>(cloud, 'POST', '/api/v1/users', {
    token: options.token ?? TEST_ADMIN_TOKEN,
    body: {
      username,
      display_name: `Test ${username}`,
      territory_code: options.territory ?? '320803',
      password: options.password ?? TEST_PASSWORD,
      roles: options.roles ?? [],
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** Logs in and returns the session token. */
export async function login(cloud: RunningCloud, username: string, password = TEST_PASSWORD): Promise<string> {
  const response = await api<{ token: string }>(cloud, 'POST', '/api/v1/sessions', { body: { username, password } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.token;
}

/** A user with these roles, logged in: its id and session token. */
export async function signedIn(
  cloud: RunningCloud,
  username: string,
  roles: RoleAssignment[],
  territory = '320803',
): Promise<{ user: User; token: string }> {
  const user = await createUser(cloud, username, { roles, territory });
  return { user, token: await login(cloud, username) };
}

/**
 * The usual cast of an API role matrix: the disposal unit `unit-gas` (a gas company over the
 * district) and each of `people` signed in as `<prefix>-<name>`, with their tokens and user ids.
 */
export async function signInCast<Name extends string>(
  cloud: RunningCloud,
  prefix: string,
  people: Record<Name, RoleAssignment[]>,
): Promise<{ tokens: Record<Name, string>; ids: Record<Name, string> }> {
  const unit = await api(cloud, 'POST', '/api/v1/disposal-units', {
    token: TEST_ADMIN_TOKEN,
    body: {
      id: 'unit-gas',
      name_zh: '港华燃气',
      name_en: 'Towngas',
      unit_type: 'gas_company',
      territory_code: '320803',
    },
  });
  if (unit.status !== 201) throw new Error(`disposal unit not created: ${JSON.stringify(unit.body)}`);
  const tokens = {} as Record<Name, string>;
  const ids = {} as Record<Name, string>;
  for (const [name, roles] of Object.entries(people) as Array<[Name, RoleAssignment[]]>) {
    const { user, token } = await signedIn(cloud, `${prefix}-${name}`, roles);
    tokens[name] = token;
    ids[name] = user.id;
  }
  return { tokens, ids };
}
