/**
 * The service worker keeps the app's shell for offline use and makes the phone pages installable.
 * Browsers allow it on HTTPS and on localhost only; on a plain-HTTP LAN the pages work without it.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  });
}
