import type { DiscoveredCamera } from './discovery.js';

/** A camera that answered a console discovery scan. */
export interface ScannedCamera {
  endpointReference: string;
  /** The device service addresses it gave (only http/https). */
  xaddrs: string[];
  scopes: string[];
  /** From its `onvif://www.onvif.org/hardware/…` and `…/name/…` scopes, when given. */
  model?: string;
  name?: string;
  /** Who answered (address:port). */
  from?: string;
  /** The id of the configured camera it is, if any (by endpoint reference or address). */
  configuredAs?: string;
}

const SCOPE = 'onvif://www.onvif.org/';

function scopeValue(scopes: readonly string[], key: string): string | undefined {
  const scope = scopes.find((candidate) => candidate.toLowerCase().startsWith(`${SCOPE}${key}/`));
  if (!scope) return undefined;
  try {
    return decodeURIComponent(scope.slice(SCOPE.length + key.length + 1)).slice(0, 120) || undefined;
  } catch {
    return scope.slice(SCOPE.length + key.length + 1).slice(0, 120) || undefined;
  }
}

/**
 * Probe answers as the console lists them: one row per endpoint reference (the first answer's,
 * plus every address later answers gave), at most `limit` rows. Anyone on the LAN can answer a
 * Probe: a row is something to onboard only once the installer's credentials work at its address.
 */
export function scannedCameras(
  found: readonly DiscoveredCamera[],
  configuredAs: (camera: DiscoveredCamera) => string | undefined,
  limit = 256,
): ScannedCamera[] {
  const rows = new Map<string, ScannedCamera>();
  for (const camera of found) {
    const xaddrs = camera.xaddrs.filter((address) => /^https?:\/\//i.test(address)).slice(0, 8);
    const known = rows.get(camera.endpointReference);
    if (known) {
      for (const address of xaddrs) if (!known.xaddrs.includes(address)) known.xaddrs.push(address);
      continue;
    }
    if (rows.size >= limit) break;
    const model = scopeValue(camera.scopes, 'hardware');
    const name = scopeValue(camera.scopes, 'name');
    const configured = configuredAs(camera);
    rows.set(camera.endpointReference, {
      endpointReference: camera.endpointReference.slice(0, 200),
      xaddrs,
      scopes: camera.scopes.slice(0, 32).map((scope) => scope.slice(0, 200)),
      ...(model ? { model } : {}),
      ...(name ? { name } : {}),
      ...(camera.from ? { from: camera.from } : {}),
      ...(configured ? { configuredAs: configured } : {}),
    });
  }
  return [...rows.values()];
}
