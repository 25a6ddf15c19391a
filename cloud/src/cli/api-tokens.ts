import type { CliIo } from '@gridlink/protocol';
import type { Db } from '../db/db.js';
import { type ApiTokenLimits, ApiTokenStore } from '../people/api-tokens.js';
import { normalizeUsername } from '../people/sessions.js';

/** What `user token …` was given on its command line. */
export interface UserTokenOptions {
  sub: 'add' | 'list' | 'revoke';
  username: string | undefined;
  name: string | undefined;
  expires: string | undefined;
  /** `revoke`: the token's id, as `list` prints it. */
  tokenId: string | undefined;
}

const PROGRAM = 'gridlink-cloud';

/**
 * `user token add|list|revoke --username <u>`: an integration's API token made on the server, for
 * a deployment without an administrator's session yet. `add` prints the token once on stdout (and
 * nothing else there, so it can be piped into a secret store); the audit names the actor `cli`.
 * Exit 0 done, 1 refused with the reason.
 */
export async function userToken(
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  db: Db,
  limits: ApiTokenLimits,
  options: UserTokenOptions,
  usage: (text: string) => never,
): Promise<number> {
  if (options.username === undefined) usage(`user token ${options.sub} needs --username`);
  const tokens = new ApiTokenStore(db, () => new Date(), limits);
  const { rows } = await db.query<{ id: string; active: boolean }>('SELECT id, active FROM users WHERE username = $1', [
    normalizeUsername(options.username as string),
  ]);
  const user = rows[0];
  if (user === undefined) {
    io.stderr.write(`${PROGRAM}: no user ${JSON.stringify(options.username)}\n`);
    return 1;
  }
  if (options.sub === 'list') {
    for (const token of await tokens.list(user.id)) {
      const state = token.revoked_at !== null ? `revoked ${token.revoked_at}` : `expires ${token.expires_at}`;
      io.stdout.write(
        `${token.id}  ${token.hint}  ${token.name}  ${state}  last used ${token.last_used_at ?? 'never'}\n`,
      );
    }
    return 0;
  }
  if (options.sub === 'revoke') {
    if (options.tokenId === undefined) usage('user token revoke needs the token id (see user token list)');
    const revoked = await tokens.revoke({ kind: 'cli' }, user.id, options.tokenId as string);
    if (revoked === undefined) {
      io.stderr.write(`${PROGRAM}: ${options.username} has no API token ${options.tokenId}\n`);
      return 1;
    }
    io.stderr.write(`${PROGRAM}: revoked ${revoked.hint} (${revoked.name}) at ${revoked.revoked_at}\n`);
    return 0;
  }
  const name = options.name?.trim() ?? '';
  if (name.length === 0 || name.length > 100) usage('user token add needs --name <text> (1-100 characters)');
  let expiresAt: Date | undefined;
  if (options.expires !== undefined) {
    expiresAt = new Date(options.expires);
    if (Number.isNaN(expiresAt.getTime())) {
      io.stderr.write(`${PROGRAM}: --expires: ${JSON.stringify(options.expires)} is not a date (e.g. 2027-06-30)\n`);
      return 1;
    }
    const refusal = tokens.expiryRefusal(expiresAt);
    if (refusal !== undefined) {
      io.stderr.write(
        `${PROGRAM}: --expires: ${
          refusal.kind === 'past'
            ? 'must be later than now'
            : `at most ${refusal.latest.toISOString()} (${refusal.days} days, auth.api_tokens.max_days)`
        }\n`,
      );
      return 1;
    }
  }
  if (!user.active)
    io.stderr.write(`${PROGRAM}: warning: ${options.username} is deactivated: the token works once they are active\n`);
  const issued = await tokens.create({ kind: 'cli' }, user.id, { name, ...(expiresAt ? { expiresAt } : {}) });
  io.stdout.write(`${issued.token}\n`);
  io.stderr.write(
    `${PROGRAM}: API token ${issued.id} (${issued.name}) of ${options.username}, expires ${issued.expires_at}; the token above is shown only once: send it as Authorization: Bearer <token>\n`,
  );
  return 0;
}
