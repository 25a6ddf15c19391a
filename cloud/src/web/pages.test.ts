import { describe, expect, it } from 'vitest';
import { createUser, login } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from './pages.js';

/**
 * The web pages are served by the cloud itself, bundled from `cloud/web` as it starts: no build
 * step, no CDN, no inline script, and headers that keep other sites from framing or sniffing them.
 */
describe('the web pages', () => {
  const cloud = useTestCloud('pglite');

  const get = async (path: string) => {
    const response = await fetch(`${cloud().url}${path}`);
    return { response, text: await response.text() };
  };

  it('serves the page shell at / with a strict Content-Security-Policy and no inline script', async () => {
    const { response, text } = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(text).toContain('<html lang="zh-CN">');
    expect(text).toContain('<script type="module" src="/assets/app.js"></script>');
    // Every script is a file of the cloud's own: none inline, none from another host.
    expect([...text.matchAll(/<script[^>]*>([^<]*)<\/script>/g)].map((m) => m[1]?.trim())).toEqual(['']);
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the bundled script and the style sheet from the cloud, revalidated on each load', async () => {
    const script = await get('/assets/app.js');
    expect(script.response.status).toBe(200);
    expect(script.response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.response.headers.get('cache-control')).toBe('no-cache');
    expect(script.response.headers.get('x-content-type-options')).toBe('nosniff');
    // Compressed on the wire: a third of the bytes on a phone's link.
    expect(script.response.headers.get('content-encoding')).toBe('gzip');
    expect(script.response.headers.get('vary')).toBe('accept-encoding');
    expect(script.text).toContain('/api/v1/notifications/stream');
    // Bundled: the only modules imported are the build's own chunks, next to it on the cloud.
    const imported = (text: string) =>
      [
        ...text.matchAll(
          /\bimport\s*\(\s*[`"']([^`"'\s]+)[`"']\s*\)|\}\s*from\s*["']([^"'\s]+)["']|\bimport\s*["']([^"'\s]+)["']/g,
        ),
      ].map((m) => m[1] ?? m[2] ?? m[3]);
    const chunks = imported(script.text);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk).toMatch(/^\.\/[\w-]+\.js$/);
    // Each lazy chunk is served too, and kept for good by browsers (its name is its content's hash).
    for (const chunk of new Set(chunks)) {
      const lazy = await get(`/assets/${chunk?.slice(2)}`);
      expect(lazy.response.status).toBe(200);
      expect(lazy.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      for (const inner of imported(lazy.text)) expect(inner).toMatch(/^\.\/[\w-]+\.js$/);
    }
    const style = await get('/assets/app.css');
    expect(style.response.status).toBe(200);
    expect(style.response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(style.text).toContain('.light-overdue');
    // The component libraries' own style sheets, per component used.
    expect(style.text).toContain('.van-tabbar{');
    expect(style.text).toContain('.van-field{');
    // Nothing from a CDN: no style sheet names another host (Vant's icon font is a data: URL).
    expect(style.text).not.toMatch(/url\(\s*["']?(https?:)?\/\//);
    expect(style.text).toContain('data:font/woff2');
  });

  it('serves the phone pages’ PWA shell: a manifest and a service worker from the cloud', async () => {
    const { text } = await get('/');
    expect(text).toContain('<link rel="manifest" href="/manifest.webmanifest" />');
    const manifest = await get('/manifest.webmanifest');
    expect(manifest.response.status).toBe(200);
    expect(manifest.response.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    expect(JSON.parse(manifest.text)).toMatchObject({
      display: 'standalone',
      start_url: '/#/incidents',
      lang: 'zh-CN',
    });
    const worker = await get('/sw.js');
    expect(worker.response.status).toBe(200);
    expect(worker.response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(worker.response.headers.get('cache-control')).toBe('no-cache');
    expect(worker.text).toContain('/assets/app.js');
    expect(CONTENT_SECURITY_POLICY).toContain("worker-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("manifest-src 'self'");
  });

  it('serves the areas of a territory the user sees as GeoJSON, and the pages’ map settings to all', async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    await createUser(cloud(), 'map-reader', { roles: [{ role: 'operator', scope: FIXTURE.community }] });
    const token = await login(cloud(), 'map-reader');
    const areas = await api<{ type: string; features: Array<{ id: string; properties: { level: string } }> }>(
      cloud(),
      'GET',
      `/api/v1/territory/areas?under=${FIXTURE.community}`,
      { token },
    );
    expect(areas.status).toBe(200);
    expect(areas.body.type).toBe('FeatureCollection');
    expect(areas.body.features.map((f) => f.id)).toEqual([FIXTURE.community, ...FIXTURE.grids]);
    expect(areas.body.features[1]?.properties.level).toBe('grid');
    expect((await api(cloud(), 'GET', `/api/v1/territory/areas?under=${FIXTURE.community}`)).status).toBe(401);
    expect((await api(cloud(), 'GET', '/api/v1/territory/areas?under=abc', { token })).status).toBe(400);
    // attack: a grid worker reads the boundaries of the community around their grid, or of another street
    await createUser(cloud(), 'grid-reader', { roles: [{ role: 'grid_worker', scope: FIXTURE.grids[0] ?? '' }] });
    const worker = await login(cloud(), 'grid-reader');
    expect(
      (await api(cloud(), 'GET', `/api/v1/territory/areas?under=${FIXTURE.community}`, { token: worker })).status,
    ).toBe(403);
    const own = await api<{ features: Array<{ id: string }> }>(
      cloud(),
      'GET',
      `/api/v1/territory/areas?under=${FIXTURE.grids[0]}`,
      { token: worker },
    );
    expect(own.body.features.map((f) => f.id)).toEqual([FIXTURE.grids[0]]);
    const settings = await get('/web-config.json');
    expect(JSON.parse(settings.text)).toEqual({ map: { tile_url: null, attribution: '' } });
    expect(settings.response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('allows the configured tile server as an image source, and nothing else', () => {
    expect(contentSecurityPolicy()).toBe(CONTENT_SECURITY_POLICY);
    const policy = contentSecurityPolicy('https://tiles.district.example/{z}/{x}/{y}.png');
    expect(policy).toContain("img-src 'self' data: https://tiles.district.example;");
    expect(policy.replace(' https://tiles.district.example', '')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('holds no secret and no data: the page and its script are the same for everyone, without a session', async () => {
    const { text } = await get('/');
    expect(text).not.toMatch(/token|password=/i);
    const unknown = await fetch(`${cloud().url}/assets/other.js`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
