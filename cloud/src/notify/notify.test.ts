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
    }).send(notification());
    expect(received[0]?.body).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '### 【紧急】燃气泄漏 (INC-20261125-0001)',
          '3 号楼 2 单元 0401 燃气浓度 35 %LEL，请立即处置',
          '> Gas leak: Building 3 unit 2 #0401: gas at 35 %LEL',
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
      const send = new RobotChannel({ name: 'wecom-x', kind: 'wecom', webhook: `${base}/send?key=secret-key` }).send(
        notification(),
      );
      await expect(send).rejects.toThrow('wecom-x: refused: HTTP 200 93000 invalid webhook url');
      await expect(send).rejects.not.toThrow(/secret-key/);
    } finally {
      answer = { errcode: 0, errmsg: 'ok' };
    }
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
