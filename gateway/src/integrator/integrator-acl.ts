import { parseTopic } from '@gridlink/protocol';
import type { AclRefusal } from '../broker/acl.js';
import { type DeviceRecord, type Directory, NO_GRANTS } from '../devices/directory.js';
import { mayCommand, mayIngestAs } from './grants.js';

/**
 * Bridge commands that only read: observers and integrators may request them. Every other bridge
 * command changes something (or shows an installer's work) and stays with installers.
 */
export const READ_ONLY_BRIDGE_COMMANDS: readonly string[] = ['devices/list'];

/** What an integrator's publish is, once its topic is allowed. */
export type IntegratorPublish =
  | { allowed: 'request' }
  /** A command to a device it is granted: still to be rate-limited and checked against the profile. */
  | { allowed: 'command'; device: DeviceRecord }
  /** A message as a third-party device it brings in: validated like the device's own. */
  | { allowed: 'ingest'; device: DeviceRecord }
  /** `command` names the device when the refused publish was a command (it is audited). */
  | { refused: AclRefusal; command?: string };

export type GrantLookup = Pick<Directory, 'device' | 'service'>;

const denied = (message: string, command?: string): IntegratorPublish => ({
  refused: { code: 'acl_denied', message },
  ...(command !== undefined ? { command } : {}),
});

/**
 * The integrator's publish ACL, read from the registry on every publish (grants changed from the
 * CLI apply at once, a revocation included): `<base>/<id>/set` only for devices it is granted
 * (by id or kind) that are active; state, events and availability only as the devices of its
 * ingest grants; bridge requests only of the read-only commands; nothing else.
 */
export function integratorPublish(
  username: string,
  topic: string,
  base: string,
  directory: GrantLookup | undefined,
): IntegratorPublish {
  const who = `integrator ${username}`;
  const parsed = parseTopic(topic, base);
  if (!parsed.ok) return denied(`${who} may not publish to ${topic}`);
  const target = parsed.value;
  const grants = directory?.service(username)?.grants ?? NO_GRANTS;
  switch (target.kind) {
    case 'bridge_request':
      return READ_ONLY_BRIDGE_COMMANDS.includes(target.command)
        ? { allowed: 'request' }
        : denied(`${who} may request only ${READ_ONLY_BRIDGE_COMMANDS.join(', ')}, not ${target.command}`);
    case 'device_set': {
      const device = directory?.device(target.deviceId);
      if (device && mayCommand(grants, device)) return { allowed: 'command', device };
      // Granted but retired reads differently from never granted; an unknown id reads as not granted.
      const granted =
        device && (grants.commandDevices.includes(device.id) || grants.commandKinds.includes(device.kind));
      return denied(
        granted
          ? `device ${target.deviceId} is retired: it takes no commands`
          : `${who} is not granted commands to device ${target.deviceId}`,
        target.deviceId,
      );
    }
    case 'device_state':
    case 'device_availability':
    case 'device_event': {
      const device = directory?.device(target.deviceId);
      if (device && mayIngestAs(grants, device)) return { allowed: 'ingest', device };
      return denied(`${who} may publish only as the devices of its ingest grants, not ${target.deviceId}`);
    }
    default:
      return denied(`${who} may not publish to ${topic}`);
  }
}

/** `<base>/bridge/request/<cmd>` or `…/response/<cmd>` of a command an integrator may not request. */
function otherServicesExchange(topic: string, base: string): boolean {
  for (const side of ['request', 'response']) {
    const prefix = `${base}/bridge/${side}/`;
    if (topic.startsWith(prefix)) return !READ_ONLY_BRIDGE_COMMANDS.includes(topic.slice(prefix.length));
  }
  return false;
}

/**
 * An integrator reads under the base topic like an observer: device state, events, availability
 * and commands, alerts, the bridge's state, health and events, dead letters. All of it is what the
 * site already shows an observer, and a flow that reacts to the site needs it. Bridge requests and
 * responses are the exception: they are one shared topic per command, so an installer's answers
 * (quarantined events, resend counts) would reach every reader. An integrator gets only those of
 * the commands it may request itself; an explicit subscription to the others is refused, and a
 * wildcard does not carry them (see `integratorMayReceive`).
 */
export function integratorSubscribeRefusal(username: string, filter: string, base: string): AclRefusal | null {
  if (filter !== '#' && !filter.startsWith(`${base}/`))
    return { code: 'acl_denied', message: `role integrator may subscribe only under ${base}/` };
  if (!filter.includes('+') && !filter.includes('#') && otherServicesExchange(filter, base))
    return {
      code: 'acl_denied',
      message: `integrator ${username} may read bridge requests and responses only of ${READ_ONLY_BRIDGE_COMMANDS.join(', ')}`,
    };
  return null;
}

/** Delivery check: whatever an integrator subscribed, other services' bridge exchanges never reach it. */
export function integratorMayReceive(topic: string, base: string): boolean {
  return !otherServicesExchange(topic, base);
}
