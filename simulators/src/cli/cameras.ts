import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { FULL_COMMUNITY, generateCommunity, SMALL_COMMUNITY } from '../community/generator.js';
import { OnvifCameraFarm } from '../onvif/farm.js';

/** The ONVIF user the cameras accept (a dedicated user, as the gateway's README asks of real cameras). */
export const DEFAULT_CAMERA_USERNAME = 'gridlink';

export interface CamerasOptions {
  count?: string | undefined;
  host?: string | undefined;
  'port-base'?: string | undefined;
  'password-file'?: string | undefined;
  username?: string | undefined;
  size?: string | undefined;
  seed?: string | undefined;
}

export interface CameraPlan {
  ids: string[];
  host: string;
  portBase: number;
  username: string;
  password: string;
}

/** Where camera `index` listens: HTTP on portBase + 2·index, its WS-Discovery (UDP) on the next port. */
export const cameraPorts = (portBase: number, index: number) => ({
  http: portBase + 2 * index,
  discovery: portBase + 2 * index + 1,
});

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Checks the `cameras` command's options, naming the flag and the fix. The cameras are the first
 * `--count` ONVIF cameras of the generated community (the ids `gridlink-sim community` registers),
 * so the gateway's registry knows each of them.
 */
export function planCameras(values: CamerasOptions): CameraPlan {
  const size = values.size ?? 'small';
  if (size !== 'small' && size !== 'full') throw new Error(`--size: expected small or full, received ${size}`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`--seed: expected a whole number, received ${values.seed}`);
  const community = generateCommunity({
    ...(size === 'full' ? FULL_COMMUNITY : SMALL_COMMUNITY),
    ...(seed === undefined ? {} : { seed }),
  });
  const all = community.devices.filter((device) => device.kind === 'onvif_camera').map((device) => device.id);

  const count = values.count === undefined ? all.length : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > all.length)
    throw new Error(
      `--count: expected a whole number from 1 to ${all.length} (the ${size} community's ONVIF cameras), received ${values.count}`,
    );

  const host = values.host ?? '127.0.0.1';
  if (isIP(host) === 0 && !HOST_NAME.test(host))
    throw new Error(`--host: expected an IP address or a host name to listen on (e.g. 0.0.0.0), received ${host}`);
  if (host === '0.0.0.0' || host === '::')
    throw new Error(
      `--host: the cameras tell the gateway their address, so they need one it can reach: give this machine's name or address (e.g. --host cameras), not ${host}`,
    );

  const portBase = Number(values['port-base'] ?? '0');
  const last = cameraPorts(portBase, count - 1).discovery;
  if (!Number.isInteger(portBase) || portBase < 1024 || last > 65_535)
    throw new Error(
      `--port-base: expected a port from 1024 up, with room for 2 ports per camera (${count} cameras need up to ${2 * count - 1} above it, at most 65535), received ${values['port-base'] ?? 'none'}`,
    );

  const username = values.username ?? DEFAULT_CAMERA_USERNAME;
  if (username.length === 0 || username.includes(':'))
    throw new Error(`--username: expected a non-empty name without ":", received "${username}"`);

  const file = values['password-file'];
  if (!file)
    throw new Error(
      '--password-file: required, a file holding the password the cameras accept (no camera runs with a default password)',
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--password-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // One trailing newline removed, as the gateway reads its password_file.
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0) throw new Error(`--password-file: ${file} is empty: write the cameras' password in it`);

  return { ids: all.slice(0, count), host, portBase, username, password };
}

/** Starts the planned cameras (device, media with snapshots, events: PullPoint and push). */
export async function startCameras(plan: CameraPlan): Promise<OnvifCameraFarm> {
  const farm = new OnvifCameraFarm(
    plan.ids.map((id, index) => ({
      id,
      username: plan.username,
      password: plan.password,
      host: plan.host,
      port: cameraPorts(plan.portBase, index).http,
      discovery: 'unicast' as const,
      discoveryPort: cameraPorts(plan.portBase, index).discovery,
    })),
  );
  await farm.start();
  return farm;
}
