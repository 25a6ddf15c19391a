import type { CloudLink } from './cloud-link.js';

/** The cloud's address and token checked, or the first problem naming the field and the fix. */
export function cloudClient(
  url: string | undefined,
  token: string | undefined,
  fetchImpl: typeof fetch = fetch,
): { ok: true; cloud: CloudLink } | { ok: false; reason: string } {
  let base: URL;
  try {
    base = new URL((url ?? '').trim());
  } catch {
    return { ok: false, reason: `URL ${JSON.stringify(url ?? '')} is not a URL: enter e.g. https://cloud.example.cn/` };
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    return { ok: false, reason: `URL ${base.href} is not http(s)` };
  }
  if (!token?.trim()) return { ok: false, reason: 'API token is empty: paste a token made in the cloud' };
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const bearer = `Bearer ${token.trim()}`;
  return {
    ok: true,
    cloud: {
      url: base.href,
      fetch(path, init = {}) {
        const target = new URL(path.replace(/^\/+/, ''), base);
        if (target.origin !== base.origin) {
          return Promise.reject(new Error(`${path} leaves the cloud's origin ${base.origin}`));
        }
        const headers = new Headers(init.headers);
        headers.set('authorization', bearer);
        return fetchImpl(target, { ...init, headers });
      },
    },
  };
}
