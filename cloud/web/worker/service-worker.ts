/**
 * The phone pages' service worker: the app shell (HTML, entry script, styles, the chunks the entry
 * imports) is cached when it installs, so the pages open without a network; lazy chunks are cached
 * the first time they load (their names carry a content hash, so a cached one is never stale). The
 * shell's fixed names are read from the network first and from the cache only offline. The API is
 * never cached here: its answers depend on the session; the pages keep what they read per user
 * (src/pwa/read-cache.ts) and queue what they send (src/pwa/outbox/).
 */
declare const __SHELL_FILES__: string[];
declare const __SHELL_VERSION__: string;
declare const self: ServiceWorkerGlobalScope;

export {};

const CACHE = `gridlink-shell-${__SHELL_VERSION__}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(__SHELL_FILES__))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8}\.(js|css)$/;

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (HASHED.test(url.pathname)) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }
  const shellPath = url.pathname === '/' || __SHELL_FILES__.includes(url.pathname);
  if (!shellPath) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(async () => (await caches.match(url.pathname)) ?? Response.error()),
  );
});
