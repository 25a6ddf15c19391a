import { BlockList, isIP } from 'node:net';

/** The robot platforms and the one host each posts to. */
export const VENDOR_HOSTS = { wecom: 'qyapi.weixin.qq.com', dingtalk: 'oapi.dingtalk.com' } as const;
export type RobotPlatform = keyof typeof VENDOR_HOSTS;

const VENDOR_NAMES: Record<RobotPlatform, string> = { wecom: 'WeCom', dingtalk: 'DingTalk' };

/** Where a robot webhook may post: the decision and, for the sender, whether the host was listed by the operator. */
export type WebhookCheck = { ok: true; url: URL; listed: boolean } | { ok: false; reason: string };

/**
 * Which URLs robot webhooks may post to. A webhook is a URL an administrator types in, and the
 * cloud then posts from inside its own network: left open, it reaches the cloud's loopback, the
 * metadata service (169.254.169.254) or any private address (SSRF). So a robot posts only to its
 * platform's host over HTTPS (qyapi.weixin.qq.com, oapi.dingtalk.com), or to a host the cloud's
 * operator listed in `robots.allowed_hosts` (an internal relay, a test bench). Reasons never quote
 * the URL: a webhook carries its robot's key.
 */
export class WebhookPolicy {
  private readonly listed: ReadonlyArray<{ host: string; port?: string }>;

  constructor(allowedHosts: readonly string[] = []) {
    this.listed = allowedHosts.map((entry) => {
      // `host`, `host:port`, `[v6]` or `[v6]:port`, as `robots.allowed_hosts` takes them.
      const parsed = new URL(`http://${entry.toLowerCase()}`);
      return { host: parsed.hostname, ...(/:\d+$/.test(entry) ? { port: defaultPort(parsed) } : {}) };
    });
  }

  check(platform: RobotPlatform, webhook: string): WebhookCheck {
    let url: URL;
    try {
      url = new URL(webhook);
    } catch {
      return { ok: false, reason: `the webhook is not a URL; ${this.fix(platform)}` };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      return { ok: false, reason: `the webhook is not an http(s) URL; ${this.fix(platform)}` };
    if (url.username !== '' || url.password !== '')
      return { ok: false, reason: 'the webhook carries a user name or password before its host: leave them out' };
    const host = url.hostname.toLowerCase();
    if (
      this.listed.some((entry) => entry.host === host && (entry.port === undefined || entry.port === defaultPort(url)))
    )
      return { ok: true, url, listed: true };
    if (host === VENDOR_HOSTS[platform]) {
      if (url.protocol !== 'https:')
        return { ok: false, reason: `a ${VENDOR_NAMES[platform]} webhook is https://${host}/…, not http` };
      if (url.port !== '' && url.port !== '443')
        return { ok: false, reason: `a ${VENDOR_NAMES[platform]} webhook is https://${host}/… without a port` };
      return { ok: true, url, listed: false };
    }
    return { ok: false, reason: `the webhook's host is not allowed; ${this.fix(platform)}` };
  }

  private fix(platform: RobotPlatform): string {
    return `a ${VENDOR_NAMES[platform]} robot posts to https://${VENDOR_HOSTS[platform]}/…; another host must first be listed in the cloud's robots.allowed_hosts`;
  }
}

function defaultPort(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

/**
 * Addresses a platform's host must never resolve to: loopback, link-local (cloud metadata),
 * private, carrier-grade NAT, multicast, reserved and unspecified ranges, IPv4 and IPv6. A name
 * that resolves there (DNS rebinding, a poisoned resolver) is refused when the post is sent.
 */
const INTERNAL_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  INTERNAL_V4.addSubnet(network, prefix, 'ipv4');
// A list of its own: a BlockList checks IPv4 addresses against its IPv6 rules too (as mapped).
const INTERNAL_V6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible
  ['64:ff9b::', 96], // NAT64 of any IPv4 address, internal ones included
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL_V6.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP address as the resolver gives it) is one the open internet uses. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !INTERNAL_V4.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:a.b.c.d, or its hex form): the IPv4 address inside is what is reached.
  const mapped = mappedIpv4(address);
  if (mapped !== undefined) return isPublicAddress(mapped);
  return !INTERNAL_V6.check(address, 'ipv6');
}

function mappedIpv4(address: string): string | undefined {
  const dotted = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted !== undefined) return dotted;
  const hex = /^(?:0*:)*:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex === null) return undefined;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
