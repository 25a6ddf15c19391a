import { ref, watch } from 'vue';
import { flushPositions, geoError, lastFix, recordFix, runningPatrol } from './running.js';
import { pt } from './texts.js';

/**
 * The phone's position while a patrol runs, and only then: `watchPosition` starts with the patrol
 * and stops when it ends, whichever page is open. The screen is kept awake meanwhile where the
 * browser has the Wake Lock API (a phone that sleeps stops giving positions).
 */
let watchId: number | undefined;
let flushTimer: number | undefined;
let wakeLock: WakeLockSentinel | undefined;
let wanted = false;
/** Whether the screen is being kept on (for the page to say so). */
export const screenOn = ref(false);

async function keepAwake(): Promise<void> {
  if (!wanted || wakeLock || !('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
  try {
    wakeLock = await navigator.wakeLock.request('screen');
    screenOn.value = true;
    wakeLock.addEventListener('release', () => {
      wakeLock = undefined;
      screenOn.value = false;
    });
  } catch {
    // Refused (battery saver, no user gesture yet): the patrol records as long as the page is awake.
  }
}

function start(): void {
  wanted = true;
  void keepAwake();
  if (watchId !== undefined) return;
  if (!('geolocation' in navigator)) {
    geoError.value = pt('geoMissing');
    return;
  }
  watchId = navigator.geolocation.watchPosition(
    (position) => {
      geoError.value = undefined;
      const fix = {
        at: new Date(position.timestamp || Date.now()).toISOString(),
        lon: position.coords.longitude,
        lat: position.coords.latitude,
        // Accuracy is kept as the phone says it: the server refuses what is too vague.
        accuracy_m: Math.round(position.coords.accuracy * 10) / 10,
      };
      lastFix.value = fix;
      void recordFix(fix);
    },
    (error) => {
      geoError.value =
        error.code === error.PERMISSION_DENIED ? pt('geoDenied') : pt('geoUnavailable', { reason: error.message });
    },
    { enableHighAccuracy: true, maximumAge: 0, timeout: 60_000 },
  );
  // A batch also goes when the phone stands still and reports nothing new.
  flushTimer = window.setInterval(() => void flushPositions(), 60_000);
}

function stop(): void {
  wanted = false;
  if (watchId !== undefined) navigator.geolocation.clearWatch(watchId);
  watchId = undefined;
  window.clearInterval(flushTimer);
  flushTimer = undefined;
  void wakeLock?.release();
  wakeLock = undefined;
  lastFix.value = undefined;
  geoError.value = undefined;
}

/** Once per page load: follows the running patrol (a reload mid-patrol goes on recording). */
export function followPatrol(): void {
  document.addEventListener('visibilitychange', () => void keepAwake());
  watch(
    () => runningPatrol.value?.start_request,
    (running) => (running ? start() : stop()),
    { immediate: true },
  );
}
