/**
 * The 12345 hotline platform of `npm start`: a simulated platform (it verifies the cloud's signed
 * push-backs and logs them), its integration account (an `operator` of the development community
 * with an API token made for this run), its registration in the cloud with the simulator as
 * webhook (the secret rotated at every start), and a couple of sample orders filed through it.
 */
import { HotlinePlatformSimulator } from '@gridlink/simulators';
import { runPassword } from './start-users.js';

export const HOTLINE_USER = 'dev.hotline-12345';
export const HOTLINE_PLATFORM = 'dev-12345';
const TOKEN_NAME = '12345 platform (npm start)';

export interface StartedHotline {
  simulator: HotlinePlatformSimulator;
  /** Tickets filed at start and the incidents they became. */
  filed: { ticket: string; incident_id: string }[];
  summary(): string;
  stop(): Promise<void>;
}

export async function startHotline(
  cloudUrl: string,
  adminToken: string,
  community: string,
  logFile: string,
): Promise<StartedHotline> {
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
    // Answers may hold a token or secret: only the code and title are shown.
    if (response.status >= 300)
      throw new Error(`the cloud refused to ${what}: ${response.status} ${response.body.code} ${response.body.title}`);
    return response.body;
  };

  const simulator = await new HotlinePlatformSimulator({ logFile, extensions: 'approve', seed: 12345 }).start();
  const role = { role: 'operator', scope: community };
  const created = await call('POST', '/users', {
    username: HOTLINE_USER,
    display_name: '12345 热线平台（对接账号）',
    territory_code: community,
    roles: [role],
    password: runPassword(),
  });
  let userId: string;
  if (created.status === 201) userId = String(created.body.id);
  else if (created.body.code === 'GL_USER_EXISTS') {
    const listed = expectOk('list users', await call('GET', `/users?territory=${community}`)) as {
      users: Array<{ id: string; username: string }>;
    };
    const existing = listed.users.find((user) => user.username === HOTLINE_USER);
    if (!existing) throw new Error(`the cloud says ${HOTLINE_USER} exists but does not list it`);
    userId = existing.id;
    expectOk(`reactivate ${HOTLINE_USER}`, await call('PATCH', `/users/${userId}`, { active: true }));
  } else {
    expectOk(`create ${HOTLINE_USER}`, created);
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

  const platform = {
    name: '12345 政务服务便民热线（模拟）',
    webhook_url: simulator.webhookUrl,
    category_map: { 'SZ-0301': 'urban_management', 'GA-110-07': 'safety.fire_lane', 'XF-0101': 'livelihood' },
    fallback_category: 'other',
  };
  let registered = await call('POST', '/hotline/platforms', {
    id: HOTLINE_PLATFORM,
    user_id: userId,
    territory_code: community,
    ...platform,
  });
  // An earlier run registered it: this run's simulator listens elsewhere and needs a new secret.
  if (registered.body.code === 'GL_HOTLINE_PLATFORM_EXISTS')
    registered = await call('PUT', `/hotline/platforms/${HOTLINE_PLATFORM}`, platform);
  const secret = expectOk('register the hotline platform', registered).secret;
  if (typeof secret !== 'string') throw new Error('the cloud registered the hotline platform without its secret');
  simulator.useSecret(secret);
  simulator.connect({ url: cloudUrl, token: String(issued.token) });

  const filed: { ticket: string; incident_id: string }[] = [];
  const runTag = Date.now() % 1_000_000;
  for (const order of simulator.sampleOrders(2, community, runTag * 10)) {
    const answer = await simulator.sendOrder(order);
    if (answer.status >= 300)
      throw new Error(`the cloud refused hotline order ${order.ticket}: ${answer.status} ${answer.body.code}`);
    filed.push({ ticket: order.ticket, incident_id: String(answer.body.incident_id) });
  }

  return {
    simulator,
    filed,
    summary: () =>
      `12345 hotline simulator: ${simulator.url} (account ${HOTLINE_USER}); orders ${filed
        .map((f) => `${f.ticket} → ${f.incident_id}`)
        .join(', ')}; push-backs logged to ${logFile}`,
    stop: () => simulator.stop(),
  };
}
