/**
 * The cloud account `npm start` gives Node-RED's ready flows: an `operator` over the development
 * community only (the least role that reads the community's incident stream and files reports), made
 * through the cloud's API with the run's admin token as an administrator would, and a new API token
 * for it at every start. The tokens of earlier runs are revoked, so only this run's works. Nobody
 * signs in as this user: its password is generated, never kept or shown.
 */
import { runPassword } from './start-users.js';

export const INTEGRATION_USER = 'dev.node-red';
/** The name the token is listed under (the user's earlier tokens by this name are revoked). */
const TOKEN_NAME = 'node-red (npm start)';

export interface IntegrationAccount {
  username: string;
  userId: string;
  /** The API token (`glt_…`): a secret, handed to Node-RED through its environment only. */
  token: string;
}

export async function startIntegrationAccount(
  cloudUrl: string,
  adminToken: string,
  community: string,
): Promise<IntegrationAccount> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${cloudUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };
  const expectOk = (what: string, response: { status: number; body: Record<string, unknown> }) => {
    // The answer may hold a token: only its code and title are shown.
    if (response.status >= 300)
      throw new Error(`the cloud refused to ${what}: ${response.status} ${response.body.code} ${response.body.title}`);
    return response.body;
  };

  const role = { role: 'operator', scope: community };
  const created = await call('POST', '/users', {
    username: INTEGRATION_USER,
    display_name: 'Node-RED 集成 (Node-RED integration)',
    territory_code: community,
    roles: [role],
    password: runPassword(),
  });
  let userId: string;
  if (created.status === 201) {
    userId = String(created.body.id);
  } else if (created.body.code === 'GL_USER_EXISTS') {
    const listed = expectOk('list users', await call('GET', `/users?territory=${community}`)) as {
      users: Array<{ id: string; username: string }>;
    };
    const existing = listed.users.find((user) => user.username === INTEGRATION_USER);
    if (!existing) throw new Error(`the cloud says ${INTEGRATION_USER} exists but does not list it`);
    userId = existing.id;
    expectOk(`reactivate ${INTEGRATION_USER}`, await call('PATCH', `/users/${userId}`, { active: true }));
    expectOk(`give ${INTEGRATION_USER} its role`, await call('POST', `/users/${userId}/roles`, role));
  } else {
    expectOk(`create ${INTEGRATION_USER}`, created);
    throw new Error('unreachable');
  }

  const earlier = expectOk('list its API tokens', await call('GET', `/users/${userId}/api-tokens`)) as {
    api_tokens: Array<{ id: string; name: string; revoked_at?: string | null }>;
  };
  for (const token of earlier.api_tokens.filter((t) => t.name === TOKEN_NAME && !t.revoked_at))
    expectOk('revoke an earlier API token', await call('DELETE', `/users/${userId}/api-tokens/${token.id}`));
  const issued = expectOk(
    'issue an API token',
    await call('POST', `/users/${userId}/api-tokens`, { name: TOKEN_NAME }),
  );
  if (typeof issued.token !== 'string') throw new Error('the cloud issued an API token without its secret');
  return { username: INTEGRATION_USER, userId, token: issued.token };
}
