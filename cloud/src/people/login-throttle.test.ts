import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCloud } from '../start.js';
import { startCloud } from '../start.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, testCloudConfig, useTestCloud } from '../test-support.js';
import { logDigest } from './log-digest.js';
import { addressKey, CheckLimiter } from './login-throttle.js';
import { verifyPassword } from './passwords.js';
import type { PasswordCheck } from './sessions.js';
import { createUser, TEST_PASSWORD } from './test-support.js';

/** Counts the password checks the cloud runs; `hold()` keeps the next checks waiting until released. */
function countingCheck() {
  let held: Promise<void> | undefined;
  let release = () => {};
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const state = {
    checks: 0,
    check: (async (password, stored) => {
      state.checks++;
      for (const waiter of waiters.filter((w) => state.checks >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      if (held) await held;
      return verifyPassword(password, stored);
    }) as PasswordCheck,
    hold() {
      held = new Promise<void>((resolve) => {
        release = () => {
          held = undefined;
          resolve();
        };
      });
    },
    release: () => release(),
    /** Resolves once `count` checks have started. */
    started(count: number): Promise<void> {
      if (state.checks >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
  return state;
}

/** Runs `tasks` with at most `inFlight` at once; the answers in task order. */
async function pool<T>(tasks: Array<() => Promise<T>>, inFlight: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return results;
}

const attempt = (cloud: RunningCloud, username: string, password: string, from?: string) =>
  api(cloud, 'POST', '/api/v1/sessions', {
    body: { username, password },
    // Read in English: the refusals are asserted as English text.
    headers: { 'accept-language': 'en', ...(from === undefined ? {} : { 'x-forwarded-for': from }) },
  });

describe.each(BACKENDS)('login throttle (%s)', (backend) => {
  describe('per username', () => {
    const clock = manualClock();
    const checks = countingCheck();
    // A generous address budget, so only the username's own throttle is at work here.
    const cloud = useTestCloud(
      backend,
      { clock, passwordCheck: checks.check },
      { auth: { login: { per_address_burst: 1000, queued_checks: 100 } } },
    );

    it('attack: parallel wrong passwords cannot pass the lockout', async () => {
      await createUser(cloud(), 'lockout.target');
      const before = checks.checks;
      // 60 guesses, 20 in flight, and the right password among them once the lock must be set (the
      // 30th start comes after 11 answers, so after at least 11 claims).
      const tasks = Array.from(
        { length: 60 },
        (_, i) => () =>
          attempt(cloud(), 'lockout.target', i % 15 === 14 && i >= 25 ? TEST_PASSWORD : `wrong guess ${i}`),
      );
      const answers = await pool(tasks, 20);
      const statuses = answers.map((answer) => answer.status);
      const checked = statuses.filter((status) => status === 401 || status === 201).length;
      expect(checked).toBeLessThanOrEqual(5);
      expect(checks.checks - before).toBeLessThanOrEqual(5);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(55);
      for (const answer of answers.filter((a) => a.status === 429)) {
        expect(answer.body.code).toBe('GL_LOGIN_THROTTLED');
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The right password does not log in while the username is locked…
      const locked = await attempt(cloud(), 'lockout.target', TEST_PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toBe('300');
      // …and failures while locked neither reset the count nor lift the lock.
      expect((await attempt(cloud(), 'lockout.target', 'another wrong guess')).status).toBe(429);
      clock.advance(299_000);
      expect((await attempt(cloud(), 'lockout.target', TEST_PASSWORD)).headers.get('retry-after')).toBe('1');
      clock.advance(1000);
      expect((await attempt(cloud(), 'lockout.target', TEST_PASSWORD)).status).toBe(201);
    });

    it('attack: parallel guesses at an unknown username are checked (against the decoy) and locked alike', async () => {
      const before = checks.checks;
      const answers = await pool(
        Array.from({ length: 30 }, (_, i) => () => attempt(cloud(), 'no.such.user', `guess ${i}`)),
        20,
      );
      expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
      expect(checks.checks - before).toBe(5);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(25);
    });

    it('attack: a username spray does not grow the failures table without bound', async () => {
      for (let i = 0; i < 12; i++) expect((await attempt(cloud(), `sprayed.${i}`, 'wrong')).status).toBe(401);
      const count = async () =>
        Number(
          (
            await cloud().db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM login_failures WHERE username LIKE 'sprayed.%'",
            )
          ).rows[0]?.n,
        );
      expect(await count()).toBe(12);
      // Once the window is over the rows hold nothing, and the next attempt prunes them.
      clock.advance(16 * 60_000);
      expect((await attempt(cloud(), 'sprayed.new', 'wrong')).status).toBe(401);
      await expect.poll(count).toBe(1);
    });
  });

  describe('per source address, behind a trusted proxy', () => {
    const clock = manualClock();
    const checks = countingCheck();
    const cloud = useTestCloud(
      backend,
      { clock, passwordCheck: checks.check },
      { http: { trusted_proxies: ['127.0.0.1', '::1'] } },
    );

    it('attack: a username spray from one address is cut off by the address budget', async () => {
      await createUser(cloud(), 'spray.victim');
      const before = checks.checks;
      const answers = [];
      for (let i = 0; i < 40; i++) answers.push(await attempt(cloud(), `victim.${i}`, 'Password2026!', '203.0.113.9'));
      expect(answers.slice(0, 20).map((a) => a.status)).toEqual(Array(20).fill(401));
      for (const answer of answers.slice(20)) {
        expect(answer.status).toBe(429);
        expect(answer.body.code).toBe('GL_LOGIN_THROTTLED');
        expect(answer.body.detail).toMatch(/from your address/);
        expect(answer.headers.get('retry-after')).toBe('6');
      }
      expect(checks.checks - before).toBe(20);
      // Even the right password is refused from that address until its budget refills…
      expect((await attempt(cloud(), 'spray.victim', TEST_PASSWORD, '203.0.113.9')).status).toBe(429);
      // …while other addresses are not held back (an IPv6 client counts by its /64).
      expect((await attempt(cloud(), 'spray.victim', TEST_PASSWORD, '198.51.100.4')).status).toBe(201);
      for (let i = 0; i < 20; i++) await attempt(cloud(), `v6.${i}`, 'wrong', `2001:db8:1:2::${i.toString(16)}`);
      expect((await attempt(cloud(), 'v6.more', 'wrong', '2001:db8:1:2:ffff::1')).status).toBe(429);
      // One attempt comes back every 6 s (10 a minute).
      clock.advance(6000);
      expect((await attempt(cloud(), 'spray.victim', TEST_PASSWORD, '203.0.113.9')).status).toBe(201);
    });

    it('attack: a flood of bad logins cannot starve a good one', async () => {
      await createUser(cloud(), 'flood.good');
      const before = checks.checks;
      const flood = await Promise.all(
        Array.from({ length: 60 }, (_, i) => attempt(cloud(), `flood.${i}`, 'wrong', '192.0.2.77')),
      );
      expect(flood.filter((a) => a.status === 401)).toHaveLength(20);
      expect(flood.filter((a) => a.status === 429)).toHaveLength(40);
      expect(checks.checks - before).toBe(20);
      expect((await attempt(cloud(), 'flood.good', TEST_PASSWORD, '192.0.2.78')).status).toBe(201);
    });
  });

  describe('X-Forwarded-For from a client that is not a trusted proxy', () => {
    const cloud = useTestCloud(backend, { clock: manualClock() });

    it('attack: a forged X-Forwarded-For does not buy a fresh address budget', async () => {
      const answers = [];
      for (let i = 0; i < 25; i++) answers.push(await attempt(cloud(), `forged.${i}`, 'wrong', `198.18.0.${i}`));
      expect(answers.slice(0, 20).every((a) => a.status === 401)).toBe(true);
      expect(answers.slice(20).every((a) => a.status === 429)).toBe(true);
    });
  });
});

describe('password checks at once (postgres)', () => {
  const checks = countingCheck();
  const cloud = useTestCloud(
    'postgres',
    { passwordCheck: checks.check },
    { http: { trusted_proxies: ['127.0.0.1'] }, auth: { login: { concurrent_checks: 1, queued_checks: 1 } } },
  );

  it('attack: logins beyond the checks running and queued are refused with 503 and Retry-After, not piled up', async () => {
    await createUser(cloud(), 'busy.user');
    checks.hold();
    const first = attempt(cloud(), 'busy.one', 'wrong', '192.0.2.1');
    await checks.started(1);
    // One check runs (held) and one waits: of three more, one queues and two are refused at once.
    const more = [2, 3, 4].map((n) => attempt(cloud(), 'busy.user', TEST_PASSWORD, `192.0.2.${n}`));
    // The two refusals come while the first check is still held: nothing waits for it to end.
    let refusedWhileHeld = 0;
    await new Promise<void>((resolve) => {
      for (const answer of more) {
        void answer.then((a) => {
          if (a.status === 503 && ++refusedWhileHeld === 2) resolve();
        });
      }
    });
    checks.release();
    const answers = await Promise.all(more);
    expect((await first).status).toBe(401);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy).toHaveLength(2);
    for (const answer of busy) {
      expect(answer.body.code).toBe('GL_LOGIN_BUSY');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(refusedWhileHeld).toBe(2);
  });
});

describe('addressKey', () => {
  it('keys IPv4 by the address and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('CheckLimiter', () => {
  it('runs at most `concurrent`, queues at most `queued`, and passes slots on in order', async () => {
    const limiter = new CheckLimiter(1, 1);
    const first = await limiter.acquire();
    const second = limiter.acquire();
    expect(await limiter.acquire()).toBeUndefined();
    expect(limiter.queueLength).toBe(1);
    first?.();
    const granted = await second;
    expect(limiter.running).toBe(1);
    granted?.();
    granted?.();
    expect(limiter.running).toBe(0);
  });
});

describe('the log of failed logins (pglite)', () => {
  const lines: string[] = [];
  let cloud: RunningCloud | undefined;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    cloud = await startCloud(testCloudConfig(), pino({ level: 'info' }, sink), { clock: manualClock() });
  }, 30_000);
  afterAll(async () => {
    await cloud?.stop();
  });

  it('attack: a password typed into the username field lands in the log in clear', async () => {
    const typedInTheWrongField = 'Tr0ub4dor&3-of-wang';
    for (let i = 0; i < 6; i++) await attempt(cloud as RunningCloud, typedInTheWrongField, 'wang.li');
    const log = lines.join('');
    expect(log).toContain('login failed');
    expect(log).toContain('login refused: too many failures');
    expect(log.toLowerCase()).not.toContain(typedInTheWrongField.toLowerCase());
    // Whoever holds the admin token can tell which username a line names; the log alone cannot.
    expect(log).toContain(`"username":"${logDigest(TEST_ADMIN_TOKEN, typedInTheWrongField.toLowerCase())}"`);
  });
});
