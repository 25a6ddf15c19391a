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
