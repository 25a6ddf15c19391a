import type { AlertPayload } from '@gridlink/protocol';

/**
 * Where an alert happened, for dedup: the community with building and unit when the device's place
 * names a building (two detectors in one stairwell are one fire), else the device itself.
 */
export function alertPlaceKey(alert: Pick<AlertPayload, 'device_id' | 'place'>): string {
  const place = alert.place;
  if (place?.building !== undefined) return `place:${place.community}/${place.building}/${place.unit ?? '-'}`;
  return `device:${alert.device_id}`;
}

/** One open incident per place × category within the dedup window (domain §7). */
export function dedupKey(categoryCode: string, placeKey: string): string {
  return `${categoryCode}@${placeKey}`;
}
