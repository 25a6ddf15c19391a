import { describe, expect, it } from 'vitest';
import { useTestCloud } from '../test-support.js';
import { CONTENT_SECURITY_POLICY } from './pages.js';

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
    expect(script.text).toContain('/api/v1/notifications/stream');
    // Bundled: no import of a module the browser would have to fetch from elsewhere.
    expect(script.text).not.toMatch(/\bimport\s*[("']|from\s*["']/);
    const style = await get('/assets/app.css');
    expect(style.response.status).toBe(200);
    expect(style.response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(style.text).toContain('.light-overdue');
  });

  it('holds no secret and no data: the page and its script are the same for everyone, without a session', async () => {
    const { text } = await get('/');
    expect(text).not.toMatch(/token|password=/i);
    const unknown = await fetch(`${cloud().url}/assets/other.js`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
