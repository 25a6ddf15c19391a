import { DEFAULT_BASE_TOPIC } from '@gridlink/protocol';
import {
  type GrantLookup,
  integratorMayReceive,
  integratorPublish,
  integratorSubscribeRefusal,
  READ_ONLY_BRIDGE_COMMANDS,
} from '../integrator/integrator-acl.js';
import type { Principal } from './principal.js';
import type { RefusalCode } from './refusals.js';

export interface AclRefusal {
  code: Extract<RefusalCode, 'acl_denied' | 'system_topic'>;
  message: string;
}

const denied = (message: string): AclRefusal => ({ code: 'acl_denied', message });
const system = (action: string): AclRefusal => ({
  code: 'system_topic',
  message: `${action} "$" topics is not allowed`,
});

/**
 * Topic ACL of the conventions: a device publishes only under its own `<base>/<id>/` (never to
 * `/set`) and subscribes only to its own `/set`. Services get scoped roles: an installer may make
 * any bridge request, an observer only the read-only ones, an integrator what its grants allow
 * (looked up in `directory`, see integrator/integrator-acl.ts). Returns the refusal, or null when
 * allowed.
 */
export function publishRefusal(
  principal: Principal,
  topic: string,
  base = DEFAULT_BASE_TOPIC,
  directory?: GrantLookup,
): AclRefusal | null {
  if (topic.startsWith('$')) return system('publishing to');
  if (principal.type === 'service') {
    if (principal.role === 'integrator') {
      const decision = integratorPublish(principal.username, topic, base, directory);
      return 'refused' in decision ? decision.refused : null;
    }
    const request = topic.startsWith(`${base}/bridge/request/`) ? topic.slice(`${base}/bridge/request/`.length) : null;
    const allowed = request !== null && (principal.role === 'installer' || READ_ONLY_BRIDGE_COMMANDS.includes(request));
    return allowed ? null : denied(`role ${principal.role} may not publish to ${topic}`);
  }
  const id = principal.device.id;
  const rest = ownRest(topic, base, id);
  if (rest >= 0) {
    // Compared in place: every device message passes here, and builds no topic strings.
    if (isLevel(topic, rest, '/set')) return denied('a device may not publish commands, even to itself');
    if (rest === topic.length || isLevel(topic, rest, '/availability') || topic.startsWith('/event/', rest))
      return null;
  }
  return denied(`device ${id} may publish only under ${base}/${id}/`);
}

/**
 * Where the rest of `topic` starts after a device's own `<base>/<id>` (its length when there is
 * no rest), or -1 when the topic is not the device's own.
 */
function ownRest(topic: string, base: string, id: string): number {
  const at = base.length + 1 + id.length;
  if (topic.length < at || !topic.startsWith(base) || topic.charCodeAt(base.length) !== SLASH) return -1;
  if (!topic.startsWith(id, base.length + 1)) return -1;
  return topic.length === at || topic.charCodeAt(at) === SLASH ? at : -1;
}

/** Whether `topic` ends, from `at`, with exactly `level` (e.g. `/set`). */
const isLevel = (topic: string, at: number, level: string) =>
  topic.length - at === level.length && topic.startsWith(level, at);

const SLASH = 0x2f;

export function subscribeRefusal(principal: Principal, filter: string, base = DEFAULT_BASE_TOPIC): AclRefusal | null {
  if (filter.startsWith('$')) return system('subscribing to');
  if (principal.type === 'service') {
    if (principal.role === 'integrator') return integratorSubscribeRefusal(principal.username, filter, base);
    return filter === '#' || filter.startsWith(`${base}/`)
      ? null
      : denied(`role ${principal.role} may subscribe only under ${base}/`);
  }
  const own = `${base}/${principal.device.id}/set`;
  return filter === own ? null : denied(`device ${principal.device.id} may subscribe only to ${own}`);
}

/** Defence in depth at delivery: a device receives only its own commands, whatever it subscribed. */
export function mayReceive(principal: Principal, topic: string, base = DEFAULT_BASE_TOPIC): boolean {
  if (principal.type === 'service') return principal.role !== 'integrator' || integratorMayReceive(topic, base);
  const rest = ownRest(topic, base, principal.device.id);
  return rest >= 0 && isLevel(topic, rest, '/set');
}
