import { h } from './dom.js';
import { lightName } from './i18n.js';

/** The four lights a list shows: the API's green/yellow/red, and overdue once the deadline has passed. */
export type Light = 'green' | 'yellow' | 'red' | 'overdue' | 'none';

export function lightOf(light: string | null, deadline: string | null, now = Date.now()): Light {
  if (deadline !== null && Date.parse(deadline) < now) return 'overdue';
  if (light === 'green' || light === 'yellow' || light === 'red') return light;
  return 'none';
}

export function lightBadge(light: Light): HTMLElement {
  return h('span', { class: `light light-${light}`, 'data-light': light }, lightName(light));
}
