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
  const own = `${base}/${principal.device.id}`;
  if (topic === `${own}/set`) return denied('a device may not publish commands, even to itself');
  if (topic === own || topic === `${own}/availability` || topic.startsWith(`${own}/event/`)) return null;
  return denied(`device ${principal.device.id} may publish only under ${own}/`);
}

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
  return topic === `${base}/${principal.device.id}/set`;
}
