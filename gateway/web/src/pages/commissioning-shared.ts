import type { DrillHop, DrillHopName } from '@gridlink/gateway';
import { c } from './commissioning-messages.js';

/** The hops of a drill, in order (the gateway's `DRILL_HOPS`; the compiler checks each name). */
export const HOPS: readonly DrillHopName[] = [
  'broker',
  'rule',
  'outbox',
  'cloud',
  'incident',
  'dispatched',
  'visible',
] as const satisfies readonly DrillHopName[];

/** The hops the cloud answers for: 'cloud unreachable' when it cannot be asked. */
export const CLOUD_HOPS: readonly DrillHopName[] = ['cloud', 'incident', 'dispatched', 'visible'];

export const hopName = (hop: DrillHopName) => c(`hop${hop}`);

const REASONS = ['on_duty', 'substitute', 'grid_chief'] as const;

/** A hop's detail as shown: a dispatch's reason code (`张** · on_duty`) in words. */
export function hopDetail(hop: DrillHop): string {
  const detail = hop.detail ?? '';
  // The incident the cloud made is a drill's (it answers for no other): said, so the report shows it.
  if (hop.hop === 'incident') return `${detail} · ${c('drillTag')}`;
  if (hop.hop !== 'dispatched') return detail;
  const [name, reason] = detail.split(' · ');
  const known = REASONS.find((code) => code === reason);
  return known ? `${name} · ${c(`reason${known}`)}` : detail;
}

/** A hop's time to the millisecond, in the laptop's time zone: hops are often a few ms apart. */
export function hopTime(iso: string): string {
  const at = new Date(iso);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/** A device's place as installers say it; parts left out when not given. */
export function placeText(place: { building?: string; unit?: string; floor?: number; room?: string }): string {
  if (!place.building && !place.unit && place.floor === undefined && !place.room) return c('noPlace');
  return c('place', {
    b: place.building ?? '—',
    u: place.unit ?? '—',
    f: place.floor ?? '—',
    r: place.room ?? '',
  }).trim();
}
