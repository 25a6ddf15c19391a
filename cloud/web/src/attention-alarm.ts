import { onUnmounted, type Ref, watch } from 'vue';

/**
 * The dispatcher's alarm for urgent incidents nobody has been dispatched to (needsAttention): a
 * short tone once for each such incident not seen before, and the tab's title alternating with a
 * warning while any remain and the tab is not in front. The tone is made by the Web Audio API (no
 * file to load, nothing the CSP must allow); a browser that blocks sound until the user has
 * interacted with the page stays silent until then, and nothing is said about it.
 */

/** Incidents already announced, across visits to the list: coming back to it does not sound again. */
const announced = new Set<string>();
const FLASH_MS = 1_000;
let audio: AudioContext | undefined;

function context(): AudioContext | undefined {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    return audio;
  } catch {
    return undefined;
  }
}

/** Two short high beeps; silent where the browser does not allow sound yet. */
export function beep(): void {
  const ctx = context();
  if (ctx?.state !== 'running') return;
  for (const [start, frequency] of [
    [0, 880],
    [0.22, 1175],
  ] as const) {
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = frequency;
    const at = ctx.currentTime + start;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.2);
  }
}

/**
 * Runs the alarm for as long as the calling component is mounted: `ids` are the incidents needing
 * attention now, `warning` the title to alternate with.
 */
export function useAttentionAlarm(ids: Ref<string[]>, warning: () => string): void {
  const original = document.title;
  let timer: number | undefined;
  let flashed = false;

  const stopFlashing = () => {
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
    flashed = false;
    document.title = original;
  };
  const flash = () => {
    if (ids.value.length === 0 || document.hasFocus()) return stopFlashing();
    if (timer !== undefined) return;
    timer = window.setInterval(() => {
      flashed = !flashed;
      document.title = flashed ? warning() : original;
    }, FLASH_MS);
  };

  // The first touch or key unlocks sound for the tones to come.
  const unlock = () => void context();
  window.addEventListener('pointerdown', unlock, { once: true });
  window.addEventListener('keydown', unlock, { once: true });
  window.addEventListener('focus', stopFlashing);
  window.addEventListener('blur', flash);

  watch(
    ids,
    (now) => {
      const fresh = now.filter((id) => !announced.has(id));
      for (const id of fresh) announced.add(id);
      if (fresh.length > 0) beep();
      flash();
    },
    { immediate: true },
  );

  onUnmounted(() => {
    window.removeEventListener('pointerdown', unlock);
    window.removeEventListener('keydown', unlock);
    window.removeEventListener('focus', stopFlashing);
    window.removeEventListener('blur', flash);
    stopFlashing();
  });
}
