import { DEFAULT_BASE_TOPIC } from '@gridlink/protocol';
import type { Principal } from './principal.js';

/**
 * Topic ACL of the conventions: a device publishes only under its own `<base>/<id>/` (never to
 * `/set`) and subscribes only to its own `/set`. Services get scoped roles. Returns the reason for
 * a refusal, or null when allowed.
 */
export function publishRefusal(principal: Principal, topic: string, base = DEFAULT_BASE_TOPIC): string | null {
  if (topic.startsWith('$')) return 'publishing to "$" topics is not allowed';
  if (principal.type === 'service') {
    return principal.role === 'installer' && topic.startsWith(`${base}/bridge/request/`)
      ? null
      : `role ${principal.role} may not publish to ${topic}`;
  }
  const own = `${base}/${principal.device.id}`;
  if (topic === `${own}/set`) return 'a device may not publish commands, even to itself';
  if (topic === own || topic === `${own}/availability` || topic.startsWith(`${own}/event/`)) return null;
  return `device ${principal.device.id} may publish only under ${own}/`;
}

export function subscribeRefusal(principal: Principal, filter: string, base = DEFAULT_BASE_TOPIC): string | null {
  if (filter.startsWith('$')) return 'subscribing to "$" topics is not allowed';
  if (principal.type === 'service') {
    if (principal.role === 'observer' || principal.role === 'installer') {
      return filter === '#' || filter === `${base}/#` || filter.startsWith(`${base}/`)
        ? null
        : `role ${principal.role} may subscribe only under ${base}/`;
    }
    return `role ${principal.role} may not subscribe`;
  }
  const own = `${base}/${principal.device.id}/set`;
  return filter === own ? null : `device ${principal.device.id} may subscribe only to ${own}`;
}
