import type { AlertPayload } from '@gridlink/protocol';
import type { RepeatScope } from './device-event-policy.js';

/**
 * Where an alert happened, for dedup: the community with building and unit when the device's place
 * names a building (two detectors in one stairwell are one fire), else the device itself.
 */
export function alertPlaceKey(alert: Pick<AlertPayload, 'device_id' | 'place'>): string {
  const place = alert.place;
  if (place?.building !== undefined) return `place:${place.community}/${place.building}/${place.unit ?? '-'}`;
  return `device:${alert.device_id}`;
}

/**
 * One open incident per place × category within the dedup window (docs/domain.md §7), per gateway: one
 * gateway's alerts never join another gateway's incident.
 */
export function dedupKey(gatewayId: string, categoryCode: string, placeKey: string): string {
  return `${gatewayId}|${categoryCode}@${placeKey}`;
}

/**
 * What a repeat threshold counts over (docs/domain.md §7 "per building"…): the device, its place as dedup
 * takes it, its building or its community; the device itself when the alert does not name that much.
 */
export function repeatScopeKey(scope: RepeatScope, alert: Pick<AlertPayload, 'device_id' | 'place'>): string {
  const place = alert.place;
  const device = `device:${alert.device_id}`;
  switch (scope) {
    case 'device':
      return device;
    case 'place':
      return alertPlaceKey(alert);
    case 'building':
      return place?.building === undefined ? device : `building:${place.community}/${place.building}`;
    case 'community':
      return place?.community === undefined ? device : `community:${place.community}`;
  }
}
