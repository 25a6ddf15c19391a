import { createHmac } from 'node:crypto';
import { headline, type Notification, type NotificationChannel } from './notification.js';
import { robotSafeText } from './robot-text.js';
import type { WebhookPolicy } from './webhook-policy.js';
import { postWebhook, type Resolver } from './webhook-post.js';

/** A group-robot webhook could not take the message: the notifier records it and goes on. */
export class ChannelError extends Error {
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(`${channel}: ${message}`);
  }
}

/**
 * The notification as a robot may post it: titles and texts carry what reporters and devices wrote
 * (and addresses), so they lose mentions, links and markdown; the link into the web app is ours.
 */
const robotSafe = (n: Notification): Notification => ({
  ...n,
  title: { zh: robotSafeText(n.title.zh), en: robotSafeText(n.title.en) },
  text: { zh: robotSafeText(n.text.zh), en: robotSafeText(n.text.en) },
});

const markdown = (n: Notification) =>
  [
    `### ${headline(n)}`,
    n.text.zh,
    `> ${n.title.en}: ${n.text.en}`,
    ...(n.url ? [`[查看事件 / Open](${n.url})`] : []),
  ].join('\n\n');

/** WeCom (企业微信) group robot: `{"msgtype":"markdown","markdown":{"content":…}}`; it answers errcode 0. */
export function wecomPayload(notification: Notification): unknown {
  return { msgtype: 'markdown', markdown: { content: markdown(robotSafe(notification)) } };
}

/** DingTalk (钉钉) group robot: `{"msgtype":"markdown","markdown":{"title","text"}}`; it answers errcode 0. */
export function dingtalkPayload(notification: Notification): unknown {
  const safe = robotSafe(notification);
  return { msgtype: 'markdown', markdown: { title: headline(safe), text: markdown(safe) } };
}

/**
 * DingTalk's "加签" security setting: the URL carries `timestamp` (ms) and `sign` =
 * base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), URL-encoded; the robot refuses calls
 * more than an hour off.
 */
export function dingtalkSignedUrl(webhook: string, secret: string, timestampMs: number): string {
  const sign = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
  const url = new URL(webhook);
  url.searchParams.set('timestamp', String(timestampMs));
  url.searchParams.set('sign', sign);
  return url.toString();
}

export interface RobotOptions {
  name: string;
  kind: 'wecom' | 'dingtalk';
  webhook: string;
  /** DingTalk signing secret (SEC…), when the robot has 加签 on. */
  secret?: string;
  /** Where webhooks may post (platform hosts, and `robots.allowed_hosts`); checked again at each send. */
  policy: WebhookPolicy;
  timeoutMs?: number;
  now?: () => number;
  /** How host names are resolved (tests stand in for DNS); the system resolver otherwise. */
  resolver?: Resolver;
}

/** A WeCom or DingTalk group robot, e.g. the community's property group. */
export class RobotChannel implements NotificationChannel {
  readonly name: string;

  constructor(private readonly options: RobotOptions) {
    this.name = options.name;
  }

  async send(notification: Notification): Promise<void> {
    const { kind, webhook, secret, policy, timeoutMs = 5000, now = Date.now, resolver } = this.options;
    // Checked again here, not only when it was stored: a row from before a policy change, or
    // written around the API, must not post anywhere the policy does not allow now.
    const allowed = policy.check(kind, webhook);
    if (!allowed.ok) throw new ChannelError(this.name, `not sent: ${allowed.reason}`);
    const url = kind === 'dingtalk' && secret ? new URL(dingtalkSignedUrl(webhook, secret, now())) : allowed.url;
    const body = kind === 'wecom' ? wecomPayload(notification) : dingtalkPayload(notification);
    let response: { status: number; body: string };
    try {
      response = await postWebhook(url, JSON.stringify(body), {
        // A platform's host must resolve to public addresses; a host the operator listed is trusted.
        publicOnly: !allowed.listed,
        timeoutMs,
        ...(resolver ? { resolver } : {}),
      });
    } catch (err) {
      throw new ChannelError(this.name, `unreachable (${(err as Error).message})`);
    }
    const answer = (() => {
      try {
        return JSON.parse(response.body) as { errcode?: number; errmsg?: string } | null;
      } catch {
        return null;
      }
    })();
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || answer?.errcode !== 0) {
      throw new ChannelError(
        this.name,
        `refused: HTTP ${response.status} ${answer?.errcode ?? ''} ${answer?.errmsg ?? ''}`.trim(),
      );
    }
  }
}
