import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, manualClock, useTestCloud } from '../test-support.js';
import { LivePush } from './live-push.js';
import type { Notification, NotificationChannel } from './notification.js';
import { Notifier } from './notifier.js';
import { dingtalkSignedUrl, RobotChannel } from './robots.js';
import { SmsChannel, type SmsProvider, smsText } from './sms.js';
import { isPublicAddress, WebhookPolicy } from './webhook-policy.js';

/** The stand-in robot servers listen on loopback: listed, as an operator would list a relay. */
const LOOPBACK = new WebhookPolicy(['127.0.0.1']);

const notification = (key = 'INC-1:dispatched'): Notification => ({
  key,
  incidentId: 'INC-20261125-0001',
  title: { zh: '燃气泄漏', en: 'Gas leak' },
  text: { zh: '3 号楼 2 单元 0401 燃气浓度 35 %LEL，请立即处置', en: 'Building 3 unit 2 #0401: gas at 35 %LEL' },
  severity: 'critical',
  urgent: true,
  recipients: { userIds: ['u-worker'], territory: '320803001001003' },
  url: 'https://grid.example.cn/incidents/INC-20261125-0001',
  at: new Date('2026-11-25T08:00:00.000Z'),
});

/** A stand-in robot server on loopback that records what it receives and answers like WeCom/DingTalk. */
let server: ReturnType<typeof createServer>;
let base = '';
const received: Array<{ url: string; body: unknown }> = [];
let answer = { errcode: 0, errmsg: 'ok' };
beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ url: req.url ?? '', body: JSON.parse(body) });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('group robots (WeCom and DingTalk webhook formats, against a local robot server)', () => {
  it('posts WeCom markdown with the urgent mark, both languages and the link', async () => {
    received.length = 0;
    await new RobotChannel({
      name: 'wecom-property',
      kind: 'wecom',
      webhook: `${base}/cgi-bin/webhook/send?key=k`,
      policy: LOOPBACK,
    }).send(notification());
    expect(received[0]?.body).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '### 【紧急】燃气泄漏 (INC-20261125-0001)',
          '3 号楼 2 单元 0401 燃气浓度 35 %LEL，请立即处置',
          '> Gas leak: Building 3 unit 2 ＃0401: gas at 35 %LEL',
          '[查看事件 / Open](https://grid.example.cn/incidents/INC-20261125-0001)',
        ].join('\n\n'),
      },
    });
  });

  it('signs DingTalk calls (加签) with HMAC-SHA256 of the timestamp and the secret', async () => {
    received.length = 0;
    const channel = new RobotChannel({
      name: 'dingtalk-grid',
      kind: 'dingtalk',
      webhook: `${base}/robot/send?access_token=t`,
      secret: 'SEC0123',
      policy: LOOPBACK,
      now: () => 1_764_057_600_000,
    });
    await channel.send(notification());
    const url = new URL(received[0]?.url ?? '', base);
    expect(url.searchParams.get('timestamp')).toBe('1764057600000');
    expect(url.searchParams.get('sign')).toBe(
      createHmac('sha256', 'SEC0123').update('1764057600000\nSEC0123').digest('base64'),
    );
    expect(received[0]?.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '【紧急】燃气泄漏 (INC-20261125-0001)' },
    });
    expect(dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=t', 's', 1)).toMatch(
      /&timestamp=1&sign=/,
    );
  });

  it('fails with the robot’s own error code when it refuses, without the webhook key in the message', async () => {
    answer = { errcode: 93000, errmsg: 'invalid webhook url' };
    try {
      const send = new RobotChannel({
        name: 'wecom-x',
        kind: 'wecom',
        webhook: `${base}/send?key=secret-key`,
        policy: LOOPBACK,
      }).send(notification());
      await expect(send).rejects.toThrow('wecom-x: refused: HTTP 200 93000 invalid webhook url');
      await expect(send).rejects.not.toThrow(/secret-key/);
    } finally {
      answer = { errcode: 0, errmsg: 'ok' };
    }
  });
});

/** A loopback server that records every request it gets and answers with `respond`. */
async function recordingServer(
  respond: (res: import('node:http').ServerResponse) => void = (res) => res.end('{"errcode":0}'),
) {
  const requests: Array<{ method: string; url: string }> = [];
  const listening = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => respond(res));
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(listening.address() as { port: number }).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => listening.close(() => resolve())) };
}

describe('robot webhooks cannot be turned against the cloud’s own network (SSRF)', () => {
  it('attack: a webhook stored on the cloud’s loopback (a row from before the policy) gets nothing at send time', async () => {
    const target = await recordingServer();
    try {
      const send = new RobotChannel({
        name: 'wecom-internal',
        kind: 'wecom',
        webhook: `${target.url}/admin/flush?key=k`,
        policy: new WebhookPolicy(),
      }).send(notification());
      await expect(send).rejects.toThrow(
        /wecom-internal: not sent: the webhook's host is not allowed; .*robots\.allowed_hosts/,
      );
      expect(target.requests).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it.each([302, 307])(
    'attack: an allowed robot host answering %i to another local server — the redirect target receives nothing',
    async (status) => {
      const inside = await recordingServer();
      const relay = await recordingServer((res) => res.writeHead(status, { location: `${inside.url}/internal` }).end());
      try {
        const send = new RobotChannel({
          name: 'wecom-relay',
          kind: 'wecom',
          webhook: `${relay.url}/cgi-bin/webhook/send?key=k`,
          policy: LOOPBACK,
        }).send(notification());
        await expect(send).rejects.toThrow(
          `wecom-relay: unreachable (answered a redirect (HTTP ${status}), which is not followed)`,
        );
        expect(relay.requests).toHaveLength(1);
        expect(inside.requests).toEqual([]);
      } finally {
        await Promise.all([inside.close(), relay.close()]);
      }
    },
  );

  it.each([
    [['127.0.0.1'], '127.0.0.1'],
    [['169.254.169.254'], '169.254.169.254'],
    [['203.0.114.7', '10.0.0.8'], '10.0.0.8'],
    [['::ffff:127.0.0.1'], '::ffff:127.0.0.1'],
    [['fd00::1'], 'fd00::1'],
  ])(
    'attack: DNS rebinding — the WeCom host resolving to %j is refused before any connection',
    async (addresses, refused) => {
      const asked: string[] = [];
      const send = new RobotChannel({
        name: 'wecom-rebound',
        kind: 'wecom',
        webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
        policy: new WebhookPolicy(),
        // A resolver standing in for DNS: the platform's name answers internal addresses.
        resolver: (hostname, callback) => {
          asked.push(hostname);
          callback(null, addresses);
        },
      }).send(notification());
      await expect(send).rejects.toThrow(
        `wecom-rebound: unreachable (qyapi.weixin.qq.com resolves to ${refused}, not a public address: refused)`,
      );
      expect(asked).toEqual(['qyapi.weixin.qq.com']);
    },
  );
});

describe('public addresses (what a platform host may resolve to)', () => {
  it('refuses loopback, link-local, private, CGNAT, multicast and their IPv6 and IPv4-mapped forms', () => {
    const internal = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
    ];
    const internal6 = [
      '::1',
      '::',
      'fe80::1',
      'fd00::5',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      'ff02::1',
    ];
    for (const address of [...internal, ...internal6]) expect(isPublicAddress(address), address).toBe(false);
    for (const address of ['101.91.22.57', '8.8.8.8', '172.32.0.1', '2402:4e00::1', '::ffff:8.8.8.8'])
      expect(isPublicAddress(address), address).toBe(true);
    expect(isPublicAddress('qyapi.weixin.qq.com')).toBe(false);
  });
});

describe('robot messages carry what others wrote inert (mentions, links, markdown)', () => {
  const hostile = (): Notification => ({
    ...notification('INC-9:dispatched'),
    title: {
      zh: '燃气泄漏 @all <@zhangsan> @13800000000 [点此处理](http://evil.example/x) 详见 https://phish.example/login',
      en: '# Urgent\n> **click** <font color="warning">here</font> ![x](http://evil.example/p.png) www.evil.example',
    },
    text: { zh: '1. 3 号楼\n\n- @\u200ball', en: 'ok' },
  });

  it('attack: an incident title with @all, <@mentions> and links posts no mention, link or formatting (stand-in for WeCom)', async () => {
    received.length = 0;
    await new RobotChannel({
      name: 'wecom-group',
      kind: 'wecom',
      webhook: `${base}/cgi-bin/webhook/send?key=k`,
      policy: LOOPBACK,
    }).send(hostile());
    const content = (received[0]?.body as { markdown: { content: string } } | undefined)?.markdown.content ?? '';
    const [heading, text, quote, ...rest] = content.split('\n\n');
    expect(rest).toHaveLength(1); // the link into the web app, ours
    expect(heading).toBe(
      '### 【紧急】燃气泄漏 ＠all ＠13800000000 点此处理 （链接已删除 link removed） 详见 （链接已删除 link removed） (INC-20261125-0001)',
    );
    expect(text).toBe('1． 3 号楼 - ＠all');
    expect(quote).toBe(
      '> ＃ Urgent ＞ ＊＊click＊＊ ＜font color="warning"＞here＜/font＞ x （链接已删除 link removed） （链接已删除 link removed）: ok',
    );
    for (const inert of [/@/, /<@/, /https?:\/\//, /\]\(/, /<font/, /\*\*/, /www\./])
      expect(content.replace(rest[0] ?? '', '')).not.toMatch(inert);
  });

  it('attack: the same title posts nothing clickable or mentioning to a DingTalk group (stand-in for DingTalk)', async () => {
    received.length = 0;
    await new RobotChannel({
      name: 'dingtalk-group',
      kind: 'dingtalk',
      webhook: `${base}/robot/send?access_token=t`,
      policy: LOOPBACK,
    }).send(hostile());
    const { title, text } = (received[0]?.body as { markdown: { title: string; text: string } } | undefined)
      ?.markdown ?? { title: '', text: '' };
    expect(title).not.toMatch(/@|https?:|\[/);
    expect(text.split('\n\n').slice(0, 3).join('\n\n')).not.toMatch(/@|https?:\/\/|\]\(|<font|\*\*/);
  });
});

describe('live push (SSE) and SMS', () => {
  it('pushes to every open page of each recipient, and to nobody else', async () => {
    const live = new LivePush();
    const worker: string[] = [];
    const other: string[] = [];
    live.subscribe('u-worker', (chunk) => worker.push(chunk));
    const close = live.subscribe('u-other', (chunk) => other.push(chunk));
    await live.send(notification());
    expect(worker).toHaveLength(1);
    expect(worker[0]).toMatch(
      /^event: notification\nid: INC-1:dispatched\ndata: \{.*"incident_id":"INC-20261125-0001".*\}\n\n$/,
    );
    expect(other).toEqual([]);
    close();
    expect(live.connected).toBe(1);
  });

  it('sends one SMS of at most 70 characters to each recipient with a phone on file (provider test double: no SMS gateway here)', async () => {
    const sent: Array<[string, string]> = [];
    const provider: SmsProvider = { send: async (phone, text) => void sent.push([phone, text]) };
    await new SmsChannel(provider, async (user) => (user === 'u-worker' ? '13800000000' : undefined)).send({
      ...notification(),
      recipients: { userIds: ['u-worker', 'u-no-phone'], territory: '320803001001003' },
    });
    expect(sent).toEqual([['13800000000', smsText(notification())]]);
    expect(smsText(notification()).length).toBeLessThanOrEqual(70);
  });
});

describe.each(BACKENDS)('the notifier (%s)', (backend) => {
  const clock = manualClock();
  const cloud = useTestCloud(backend, { clock });

  it('sends through every channel on its own, logs each outcome, and never sends the same key twice', async () => {
    const notifier = new Notifier(cloud().db, clock, pino({ level: 'silent' }));
    const live = new LivePush();
    const pushed: string[] = [];
    live.subscribe('u-worker', (chunk) => pushed.push(chunk));
    const broken: NotificationChannel = {
      name: 'wecom-down',
      send: async () => {
        throw new Error('wecom-down: unreachable (connect ECONNREFUSED)');
      },
    };
    expect(await notifier.notify(notification('INC-2:dispatched'), [live, broken])).toEqual({
      live: 'sent',
      'wecom-down': 'failed',
    });
    expect(await notifier.notify(notification('INC-2:dispatched'), [live, broken])).toEqual({
      live: 'skipped',
      'wecom-down': 'skipped',
    });
    expect(pushed).toHaveLength(1);
    const { rows } = await cloud().db.query(
      'SELECT channel, status, error FROM notification_log WHERE key = $1 ORDER BY channel',
      ['INC-2:dispatched'],
    );
    expect(rows).toEqual([
      { channel: 'live', status: 'sent', error: null },
      { channel: 'wecom-down', status: 'failed', error: 'wecom-down: unreachable (connect ECONNREFUSED)' },
    ]);
  });
});
