import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { OnvifCameraConfig } from '../config/schema.js';

/**
 * Where a camera may be: the host the installer wrote in its configuration (`host`, else the host
 * of `xaddr` or `probe`). Anyone on the camera LAN can answer WS-Discovery, announce a Hello or
 * name a service address, so the gateway sends a camera's credentials, subscriptions and Notify
 * address to this host only, and fetches nothing from any other.
 */
export function pinnedHost(camera: Pick<OnvifCameraConfig, 'host' | 'xaddr' | 'probe'>): string | undefined {
  if (camera.host !== undefined) return normalizeHost(camera.host);
  if (camera.xaddr !== undefined) return hostOf(camera.xaddr);
  if (camera.probe !== undefined) return normalizeHost(probeTarget(camera.probe).host);
  return undefined;
}

/** A unicast WS-Discovery target: `host`, `host:port` or `[v6]:port`. */
export function probeTarget(target: string): { host: string; port?: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(target.trim());
  const host = match?.[1] ?? target;
  return match?.[2] ? { host, port: Number(match[2]) } : { host };
}

/** Lower case, without IPv6 brackets or an IPv4-mapped prefix: how hosts are compared. */
export function normalizeHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return bare.startsWith('::ffff:') && isIP(bare.slice(7)) === 4 ? bare.slice(7) : bare;
}

/** The host of a URL (normalized), undefined when it is not a URL. */
export function hostOf(url: string): string | undefined {
  try {
    return normalizeHost(new URL(url).hostname);
  } catch {
    return undefined;
  }
}

/**
 * The addresses a pinned host stands for: itself, and what a DNS name resolves to now (cameras
 * name their services by IP address even when the installer wrote a name).
 */
export async function approvedAddresses(host: string): Promise<Set<string>> {
  const addresses = new Set([normalizeHost(host)]);
  if (isIP(normalizeHost(host)) === 0) {
    try {
      for (const { address } of await lookup(host, { all: true })) addresses.add(normalizeHost(address));
    } catch {
      // Unresolvable now: only URLs naming the host itself pass; the camera is unreachable anyway.
    }
  }
  return addresses;
}

/** A camera named an address outside its pinned host: nothing is sent there. */
export class ForeignAddressError extends Error {
  override readonly name = 'ForeignAddressError';
  constructor(
    readonly cameraId: string,
    readonly url: string,
    what: string,
    approved: ReadonlySet<string>,
  ) {
    super(
      `camera ${cameraId} named ${what} ${url}, which is not on its approved host (${[...approved].join(', ')}): refused, nothing was sent there`,
    );
  }
}

/** Throws unless `url` is on one of the approved addresses. */
export function requireApproved(cameraId: string, url: string, what: string, approved: ReadonlySet<string>): void {
  const host = hostOf(url);
  if (host === undefined || !approved.has(host)) throw new ForeignAddressError(cameraId, url, what, approved);
}
