import { ft } from './texts.js';

/** The accuracy the cloud accepts at most (`MAX_ACCURACY_M` of the incidents API). */
export const MAX_ACCURACY_M = 2000;

/** A phone fix as the API takes it (`PositionFix`): WGS-84, as the browser's geolocation gives it. */
export interface Fix {
  lon: number;
  lat: number;
  accuracy_m: number;
  crs: 'wgs84';
  at: string;
}

/** Why no fix came, with the sentence to show. */
export class FixError extends Error {
  constructor(
    readonly reason: 'denied' | 'timeout' | 'unavailable' | 'unsupported' | 'coarse',
    text: string,
  ) {
    super(text);
  }
}

/**
 * The phone's position now (high accuracy, a fix at most 30 s old). Refusal, timeout and no signal
 * each get their own sentence; a fix coarser than the cloud accepts is refused here already.
 */
export function currentFix(timeoutMs = 20_000): Promise<Fix> {
  if (typeof navigator === 'undefined' || !navigator.geolocation)
    return Promise.reject(new FixError('unsupported', ft('geoUnsupported')));
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const accuracy = Math.max(1, Math.round(position.coords.accuracy));
        if (accuracy > MAX_ACCURACY_M) {
          reject(new FixError('coarse', ft('geoCoarse', { m: accuracy })));
          return;
        }
        // The phone's own time of the fix, but never ahead of its clock now (the cloud refuses the future).
        const at = new Date(Math.min(position.timestamp || Date.now(), Date.now()));
        resolve({
          lon: position.coords.longitude,
          lat: position.coords.latitude,
          accuracy_m: accuracy,
          crs: 'wgs84',
          at: at.toISOString(),
        });
      },
      (error) => {
        if (error.code === error.PERMISSION_DENIED) reject(new FixError('denied', ft('geoDenied')));
        else if (error.code === error.TIMEOUT) reject(new FixError('timeout', ft('geoTimeout')));
        else reject(new FixError('unavailable', ft('geoUnavailable')));
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}
